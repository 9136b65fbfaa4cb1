package dev.relaygate.server;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;

import io.helidon.config.Config;
import io.helidon.logging.common.LogConfig;

/**
 * Relaygate's entry point: {@code java -jar relaygate-server.jar [serve] [--config FILE]}, {@code check-config
 * [--config FILE]}, and the developer commands {@code demo} and {@code send}.
 *
 * <p>Exit status 2 means the configuration or the plugins do not allow a start (or the arguments are wrong); each line
 * on standard error names a key or jar at fault.
 */
public final class Main {
    static final int EXIT_CONFIG = 2;
    private static final String USAGE = "usage: relaygate-server.jar [serve] [--config FILE] | check-config "
            + "[--config FILE] | demo [--port N] [--relay-port N] [--channels slack|all] | send [--relay URL] [--type T] "
            + "[--channel C] [--thread TS] TEXT | send --config FILE --via CHANNEL [--conversation C] [--thread T] "
            + "[--key FILE] [--gateway URL] TEXT | new-channel NAME";

    private Main() {
    }

    /**
     * Entry point.
     *
     * @param args a command and its arguments
     */
    public static void main(String[] args) {
        LogConfig.configureRuntime();
        String command = args.length > 0 && !args[0].startsWith("-") ? args[0] : "serve";
        String[] rest = args.length > 0 && !args[0].startsWith("-") ? Arrays.copyOfRange(args, 1, args.length) : args;
        try {
            switch (command) {
                case "serve" -> {
                    Optional<Gateway> gateway = serve(rest, System.err);
                    if (gateway.isEmpty()) {
                        System.exit(EXIT_CONFIG);
                    }
                    // SIGTERM: webhooks get 503 while running handler calls finish, then the store closes cleanly.
                    Runtime.getRuntime().addShutdownHook(new Thread(gateway.get()::close, "relaygate-shutdown"));
                    System.out.println("Relaygate is up: http://localhost:" + gateway.get().port() + "/observe/health");
                }
                case "check-config" -> System.exit(checkConfig(rest, System.out, System.err));
                case "demo" -> Demo.run(rest, System.out);
                case "send" -> System.exit(Demo.send(rest, System.out));
                case "new-channel" -> NewChannel.run(rest, Path.of(System.getProperty(GatewayConfig.BASE_DIR, ".")),
                                                     System.out);
                default -> throw new StartupException("unknown command '" + command + "'; " + USAGE);
            }
        } catch (StartupException e) {
            System.err.println("relaygate: " + e.getMessage());
            System.exit(EXIT_CONFIG);
        }
    }

    /**
     * Parses the arguments, loads configuration and plugins and starts the gateway; on a startup problem prints one
     * line to {@code err} and returns empty.
     */
    static Optional<Gateway> serve(String[] args, PrintStream err) {
        try {
            Config config = ConfigLoader.load(configFile(args), System.getenv());
            if (!report(ConfigCheck.run(config), err)) {
                return Optional.empty();
            }
            return Optional.of(Gateway.create(config, Clock.systemUTC()).start());
        } catch (StartupException e) {
            err.println("relaygate: " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * {@code check-config}: 0 when the configuration can start a gateway, else 2 with one line per problem.
     */
    static int checkConfig(String[] args, PrintStream out, PrintStream err) {
        try {
            if (!report(ConfigCheck.run(ConfigLoader.load(configFile(args), System.getenv())), err)) {
                return EXIT_CONFIG;
            }
            out.println("relaygate: configuration OK");
            return 0;
        } catch (StartupException e) {
            err.println("relaygate: " + e.getMessage());
            return EXIT_CONFIG;
        }
    }

    private static boolean report(ConfigCheck.Report report, PrintStream err) {
        report.warnings().forEach(warning -> err.println("relaygate: warning: " + warning));
        report.problems().forEach(problem -> err.println("relaygate: " + problem));
        return report.problems().isEmpty();
    }

    private static Optional<Path> configFile(String[] args) {
        Optional<Path> file = Optional.empty();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].equals("--config") || i + 1 >= args.length) {
                throw new StartupException("unexpected argument '" + args[i] + "'; " + USAGE);
            }
            file = Optional.of(Path.of(args[++i]));
        }
        return file;
    }
}
