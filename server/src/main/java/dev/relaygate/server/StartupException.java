package dev.relaygate.server;

/**
 * The configuration or the plugins do not allow a start. The message is one line that names the key or jar at
 * fault; {@link Main} prints it and exits with status 2.
 */
final class StartupException extends RuntimeException {
    StartupException(String message) {
        super(message);
    }

    StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
