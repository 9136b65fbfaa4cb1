package dev.relaygate.server;

/**
 * Where the host calls plugin code it does not trust to be bug-free and catches everything, it still lets the JVM's
 * own failures through (an {@link OutOfMemoryError} must end the process, see {@code -XX:+ExitOnOutOfMemoryError}).
 */
final class Throwables {
    private Throwables() {
    }

    static void rethrowIfFatal(Throwable t) {
        if (t instanceof VirtualMachineError fatal) {
            throw fatal;
        }
    }

    /**
     * One line about a failure of plugin code: its class and message, for a start-up error.
     */
    static String describe(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
