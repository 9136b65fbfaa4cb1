package dev.relaygate.server;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

import io.helidon.logging.common.LogConfig;

/**
 * Starts Relaygate: {@code java -jar relaygate-server.jar [serve] [--config FILE]}.
 *
 * <p>Exit status 2 means the configuration or the plugins do not allow a start; the one line on standard error names
 * the key or jar at fault.
 */
public final class Main {
    private static final int EXIT_CONFIG = 2;

    private Main() {
    }

    /**
     * Entry point.
     *
     * @param args {@code [serve] [--config FILE]}
     */
    public static void main(String[] args) {
        LogConfig.configureRuntime();
        Optional<Gateway> gateway = serve(args, System.err);
        if (gateway.isEmpty()) {
            System.exit(EXIT_CONFIG);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(gateway.get()::close, "relaygate-shutdown"));
        System.out.println("Relaygate is up: http://localhost:" + gateway.get().port() + "/observe/health");
    }

    /**
     * Parses the arguments, loads configuration and plugins and starts the gateway; on a startup problem prints one
     * line to {@code err} and returns empty.
     */
    static Optional<Gateway> serve(String[] args, PrintStream err) {
        try {
            return Optional.of(Gateway.create(ConfigLoader.load(configFile(args), System.getenv()), Clock.systemUTC())
                                       .start());
        } catch (StartupException e) {
            err.println("relaygate: " + e.getMessage());
            return Optional.empty();
        }
    }

    private static Optional<Path> configFile(String[] args) {
        Optional<Path> file = Optional.empty();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "serve" -> {
                    if (i != 0) {
                        throw usage("'serve' must come first");
                    }
                }
                case "--config" -> {
                    if (i + 1 >= args.length) {
                        throw usage("--config needs a file");
                    }
                    file = Optional.of(Path.of(args[++i]));
                }
                default -> throw usage("unknown argument '" + args[i] + "'");
            }
        }
        return file;
    }

    private static StartupException usage(String problem) {
        return new StartupException(problem + "; usage: relaygate-server.jar [serve] [--config FILE]");
    }
}
