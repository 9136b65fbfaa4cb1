package dev.relaygate.server;

/**
 * The configuration or the plugins do not allow a start. The message is one line that names the key or jar at
 * fault; {@link Main} prints it and exits with status 2. Public for the stores ({@link dev.relaygate.server.store}),
 * which fail the start the same way.
 */
public final class StartupException extends RuntimeException {
    public StartupException(String message) {
        super(message);
    }

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
