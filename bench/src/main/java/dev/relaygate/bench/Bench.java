package dev.relaygate.bench;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code bin/relaygate bench}: the same signed load against (a) Relaygate with the durable inbox, (b) with the
 * in-memory inbox, (c) a bare Helidon endpoint and (d) Slack's Bolt for Java, one after another in one run on this
 * machine, then JMH on signature verification; prints a Markdown report.
 *
 * <p>Each target: a warm-up, the maximum rate with {@code connections} keep-alive connections, then a fixed rate of
 * half of Relaygate's durable maximum for latency, and its peak RSS.
 */
public final class Bench {
    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        Duration duration = Duration.parse(options.getOrDefault("duration", "PT20S"));
        Duration warmup = Duration.parse(options.getOrDefault("warmup", "PT5S"));
        int connections = Integer.parseInt(options.getOrDefault("connections", "32"));
        Path serverJar = Path.of(options.getOrDefault("server-jar", "server/target/relaygate-server.jar"));
        List<String> javaOptions = Arrays.stream(options.getOrDefault("java-opts", "").split(" "))
                .filter(s -> !s.isBlank()).toList();
        Path work = Files.createTempDirectory("relaygate-bench");
        Path out = Path.of(options.getOrDefault("out", "bench/target/results.md"));

        String java = ProcessHandle.current().info().command().orElseThrow();
        String self = System.getProperty("java.class.path");
        List<Row> rows = new ArrayList<>();
        double rate = 0;
        Map<String, TargetSpec> targets = new LinkedHashMap<>();
        targets.put("(a) Relaygate, durable inbox", port -> relaygate(java, javaOptions, serverJar, work, port, "durable", null));
        targets.put("(b) Relaygate, in-memory inbox", port -> relaygate(java, javaOptions, serverJar, work, port, "memory",
                                                                        null));
        targets.put("(c) bare Helidon endpoint", port -> command(java, javaOptions, "-cp", self, BareHelidon.class.getName(),
                                                               Integer.toString(port)));
        Path slackPlugin = Path.of(options.getOrDefault("slack-plugin-dir", "plugins/slack/target"));
        targets.put("(e) Relaygate `slack` channel, durable inbox", port -> relaygate(java, javaOptions, serverJar, work,
                                                                                    port, "durable", slackPlugin));
        targets.put("(d) Slack Bolt for Java (Jetty)", port -> command(java, javaOptions, "-cp", self,
                                                                     BoltTarget.class.getName(), Integer.toString(port)));
        String only = options.getOrDefault("only", "abcde");
        targets.keySet().removeIf(name -> only.indexOf(name.charAt(1)) < 0);
        for (Map.Entry<String, TargetSpec> spec : targets.entrySet()) {
            boolean slack = spec.getKey().startsWith("(d)") || spec.getKey().startsWith("(e)");
            Supplier<SignedRequests> requests = slack ? SignedRequests::slack : SignedRequests::relay;
            int port = Target.freePort();
            progress("starting " + spec.getKey());
            String path = spec.getKey().startsWith("(e)") ? "/slack/events" : "/relay/events";
            try (Target target = Target.start(spec.getKey(), spec.getValue().command(port), port, path,
                                              work.resolve("target-" + rows.size() + ".log"))) {
                progress("  warm-up " + warmup.toSeconds() + " s");
                LoadGenerator.run(target.url(), requests.get(), connections, warmup, 0);
                progress("  maximum rate, " + connections + " connections, " + duration.toSeconds() + " s");
                LoadGenerator.Result max = LoadGenerator.run(target.url(), requests.get(), connections, duration, 0);
                if (rate == 0) {
                    rate = max.perSecond() / 2;
                }
                progress(String.format(Locale.ROOT, "  %.0f req/s; fixed rate %.0f req/s for latency", max.perSecond(), rate));
                LoadGenerator.Result fixed = LoadGenerator.run(target.url(), requests.get(), connections * 2, duration, rate);
                rows.add(new Row(spec.getKey(), max, fixed, target.peakRssMib()));
            }
        }
        List<String> jmh = List.of();
        if (!options.containsKey("only")) {
            progress("JMH: signature verification of a 1 KiB body");
            jmh = jmh(work.resolve("jmh.txt"));
        }
        String report = report(rows, rate, connections, duration, jmh);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report);
        System.out.println(report);
        progress("written to " + out);
    }

    @FunctionalInterface
    private interface TargetSpec {
        List<String> command(int port) throws Exception;
    }

    private record Row(String target, LoadGenerator.Result max, LoadGenerator.Result fixed, long peakRssMib) {
    }

    /**
     * A Relaygate target: the relay channel, or with {@code slackPlugin} the {@code slack} channel from that folder.
     */
    private static List<String> relaygate(String java, List<String> javaOptions, Path serverJar, Path work, int port,
                                          String inbox, Path slackPlugin) throws Exception {
        Path dir = Files.createDirectories(work.resolve(inbox + (slackPlugin == null ? "" : "-slack")));
        String channels = slackPlugin == null
                ? "    slack:\n      signing-secret: " + SignedRequests.RELAY_SECRET_HEX
                : "    slack:\n      enabled: false\n    direct:\n      type: slack\n      signing-secret: "
                  + SignedRequests.SLACK_SECRET;
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                server:
                  host: 127.0.0.1
                  port: %d
                relaygate:
                  data-dir: %s
                  plugins-dir: %s
                  inbox:
                    type: %s
                  channels:
                %s
                  handler:
                    type: log
                """.formatted(port, dir.resolve("data"), slackPlugin == null ? dir.resolve("plugins") : slackPlugin.toAbsolutePath(),
                              inbox, channels));
        // One line per event at INFO would measure the console, not the gateway.
        Path logging = dir.resolve("logging.properties");
        Files.writeString(logging, "handlers=java.util.logging.ConsoleHandler\n.level=WARNING\n");
        return command(java, javaOptions, "-Djava.util.logging.config.file=" + logging, "-jar", serverJar.toString(),
                       "serve", "--config", config.toString());
    }

    private static List<String> command(String java, List<String> javaOptions, String... rest) {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(javaOptions);
        command.addAll(List.of(rest));
        return command;
    }

    private static List<String> jmh(Path output) throws Exception {
        List<String> lines = new ArrayList<>();
        for (RunResult result : new Runner(new OptionsBuilder()
                                                   .include(VerifyBenchmark.class.getName())
                                                   .output(output.toString())
                                                   .forks(1)
                                                   .warmupIterations(3)
                                                   .warmupTime(TimeValue.seconds(1))
                                                   .measurementIterations(5)
                                                   .measurementTime(TimeValue.seconds(1))
                                                   .shouldFailOnError(true)
                                                   .build()).run()) {
            var primary = result.getPrimaryResult();
            lines.add(String.format(Locale.ROOT, "| %s | %.0f ± %.0f |", result.getParams().getBenchmark()
                                            .replace(VerifyBenchmark.class.getName() + ".", ""),
                                    primary.getScore(), primary.getScoreError()));
        }
        return lines;
    }

    private static String report(List<Row> rows, double rate, int connections, Duration duration, List<String> jmh) {
        double ceiling = rows.stream().filter(r -> r.target().startsWith("(c)")).findFirst()
                .map(r -> r.max().perSecond()).orElse(Double.NaN);
        StringBuilder md = new StringBuilder();
        md.append("Run ").append(Instant.now()).append(" on ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, Java ").append(Runtime.version()).append("; ").append(connections)
                .append(" keep-alive connections, ").append(duration.toSeconds()).append(" s per measurement.\n\n");
        md.append("| Target | max req/s | vs (c) | errors at max | p50 ms | p99 ms | p99.9 ms | errors at fixed rate | peak RSS MiB |\n");
        md.append("|---|---:|---:|---|---:|---:|---:|---|---:|\n");
        for (Row row : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f%% | %s | %.2f | %.2f | %.2f | %s | %d |%n",
                                    row.target(), row.max().perSecond(), 100 * row.max().perSecond() / ceiling,
                                    errors(row.max()), row.fixed().millis(50), row.fixed().millis(99),
                                    row.fixed().millis(99.9), errors(row.fixed()), row.peakRssMib()));
        }
        md.append(String.format(Locale.ROOT, "%nLatency at a fixed %.0f req/s (half of (a)'s maximum), open loop, "
                + "measured from each request's intended start.%n%n", rate));
        md.append("| Verify a signed 1 KiB webhook (JMH, ns/op) | |\n|---|---:|\n");
        jmh.forEach(line -> md.append(line).append('\n'));
        return md.toString();
    }

    private static String errors(LoadGenerator.Result result) {
        return result.errors() == 0 ? "0" : result.statuses().entrySet().stream().filter(e -> !e.getKey().equals("200"))
                .map(e -> e.getKey() + ": " + e.getValue()).reduce((a, b) -> a + ", " + b).orElse("");
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: bench [--duration PT20S] [--warmup PT5S] [--connections 32] "
                                                           + "[--server-jar FILE] [--java-opts \"...\"] [--out FILE] "
                                                           + "[--only abcde] [--slack-plugin-dir DIR]");
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }

    private static void progress(String line) {
        System.err.println("bench: " + line);
    }
}
