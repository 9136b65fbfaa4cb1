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
import java.util.Optional;
import java.util.function.Supplier;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code bin/relaygate bench}: the same signed load against (a) Relaygate with the durable inbox, (b) with the
 * in-memory inbox, (c) a bare Helidon endpoint, (d) Slack's Bolt for Java, (e) Relaygate's {@code slack} channel, and
 * Relaygate on a PostgreSQL on this machine with (f) one and (g) two replicas, one after another in one run, then JMH;
 * prints a Markdown report.
 *
 * <p>Each target: a warm-up, the maximum rate with {@code connections} keep-alive connections, then a fixed rate of
 * half of Relaygate's durable maximum for latency, and its peak RSS.
 */
public final class Bench {
    // Taken before any pinning narrows what the JVM sees.
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        Duration duration = Duration.parse(options.getOrDefault("duration", "PT20S"));
        Duration warmup = Duration.parse(options.getOrDefault("warmup", "PT15S"));
        int connections = Integer.parseInt(options.getOrDefault("connections", "32"));
        Path serverJar = Path.of(options.getOrDefault("server-jar", "server/target/relaygate-server.jar"));
        List<String> javaOptions = Arrays.stream(options.getOrDefault("java-opts", "").split(" "))
                .filter(s -> !s.isBlank()).toList();
        Path work = Files.createTempDirectory("relaygate-bench");
        Path out = Path.of(options.getOrDefault("out", "bench/target/results.md"));

        String java = ProcessHandle.current().info().command().orElseThrow();
        String self = System.getProperty("java.class.path");
        List<Row> rows = new ArrayList<>();
        List<String> statements = new ArrayList<>();
        double rate = 0;
        Map<String, TargetSpec> targets = new LinkedHashMap<>();
        targets.put("(a) Relaygate, durable inbox", single(port -> relaygate(java, javaOptions, serverJar, work, port,
                                                                             "durable", null, "")));
        targets.put("(b) Relaygate, in-memory inbox", single(port -> relaygate(java, javaOptions, serverJar, work, port,
                                                                               "memory", null, "")));
        targets.put("(c) bare Helidon endpoint", single(port -> command(java, javaOptions, "-cp", self,
                                                                        BareHelidon.class.getName(), Integer.toString(port))));
        Path slackPlugin = Path.of(options.getOrDefault("slack-plugin-dir", "plugins/slack/target"));
        targets.put("(e) Relaygate `slack` channel, durable inbox", single(port -> relaygate(java, javaOptions, serverJar,
                                                                                             work, port, "durable",
                                                                                             slackPlugin, "")));
        targets.put("(d) Slack Bolt for Java (Jetty)", single(port -> command(java, javaOptions, "-cp", self,
                                                                              BoltTarget.class.getName(),
                                                                              Integer.toString(port))));
        // PostgreSQL on this machine too: its CPU is measured apart (the DB CPU column).
        BenchPostgres[] postgres = {null};
        TargetSpec onPostgres = ports -> {
            if (postgres[0] == null) {
                progress("starting PostgreSQL");
                postgres[0] = new BenchPostgres(work);
            }
            String url = postgres[0].freshDatabase();
            List<List<String>> commands = new ArrayList<>();
            for (int port : ports) {
                commands.add(relaygate(java, javaOptions, serverJar, work, port, "postgres", null, """
                        postgres:
                          url: %s
                          user: postgres
                        instance-name: replica-%d""".formatted(url, port)));
            }
            return commands;
        };
        targets.put("(f) Relaygate, PostgreSQL inbox, one replica", onPostgres);
        targets.put("(g) Relaygate, PostgreSQL inbox, two replicas", onPostgres);
        String only = options.getOrDefault("only", "abcdefg");
        targets.keySet().removeIf(name -> only.indexOf(name.charAt(1)) < 0);
        // --pin both: every target twice, sharing both cores with the load generator, then the load generator on core
        // 0 and the target on core 1 (taskset), which takes their fight for the CPU out of the numbers.
        String pin = options.getOrDefault("pin", "off");
        List<Boolean> pinnings = switch (pin) {
            case "off" -> List.of(false);
            case "on" -> List.of(true);
            case "both" -> List.of(false, true);
            default -> throw new IllegalArgumentException("--pin off|on|both, not " + pin);
        };
        for (boolean pinned : pinnings) {
            pinSelf(pinned);
            for (Map.Entry<String, TargetSpec> spec : targets.entrySet()) {
                boolean slack = spec.getKey().startsWith("(d)") || spec.getKey().startsWith("(e)");
                Supplier<SignedRequests> requests = slack ? SignedRequests::slack : SignedRequests::relay;
                int[] ports = Target.freePorts(spec.getKey().startsWith("(g)") ? 2 : 1);
                progress("starting " + spec.getKey() + (pinned ? ", pinned to core 1" : ""));
                String path = spec.getKey().startsWith("(e)") ? "/slack/events" : "/relay/events";
                List<List<String>> commands = spec.getValue().commands(ports);
                List<Target> started = new ArrayList<>();
                try {
                    for (int i = 0; i < ports.length; i++) {
                        List<String> command = new ArrayList<>(commands.get(i));
                        if (pinned) {
                            command.addAll(0, List.of("taskset", "-c", "1"));
                        }
                        started.add(Target.start(spec.getKey(), command, ports[i], path,
                                                 work.resolve("target-" + rows.size() + "-" + i + ".log")));
                    }
                    List<URI> urls = started.stream().map(Target::url).toList();
                    BenchPostgres db = spec.getKey().startsWith("(f)") || spec.getKey().startsWith("(g)") ? postgres[0]
                            : null;
                    progress("  warm-up " + warmup.toSeconds() + " s");
                    LoadGenerator.run(urls, requests, connections, warmup, 0);
                    progress("  maximum rate, " + connections + " connections, " + duration.toSeconds() + " s");
                    long cpuBefore = sum(started, Target::cpuNanos);
                    long jitBefore = sum(started, Target::compilerCpuNanos);
                    long dbBefore = db == null ? 0 : db.cpuNanos();
                    long commitsBefore = db == null ? 0 : db.reset();
                    LoadGenerator.Result max = LoadGenerator.run(urls, requests, connections, duration, 0);
                    long jit = sum(started, Target::compilerCpuNanos) - jitBefore;
                    long cpu = sum(started, Target::cpuNanos) - cpuBefore - jit;
                    long dbCpu = db == null ? -1 : db.cpuNanos() - dbBefore;
                    if (db != null) {
                        long ok = Math.max(1, max.ok());
                        statements.add(String.format(Locale.ROOT, "%n%s: %.2f commits per request; the statements "
                                + "that took the most time:%n%n| statement | calls/req | µs/req | µs/call | share |%n"
                                + "|---|---:|---:|---:|---:|%n", spec.getKey(), (db.commits() - commitsBefore)
                                / (double) ok));
                        db.statements(ok).forEach(line -> statements.add(line + "\n"));
                    }
                    if (rate == 0) {
                        rate = max.perSecond() / 2;
                    }
                    progress(String.format(Locale.ROOT, "  %.0f req/s, %.0f µs of server CPU per request%s; fixed rate "
                            + "%.0f req/s for latency", max.perSecond(), cpu / 1e3 / Math.max(1, max.ok()),
                            dbCpu < 0 ? "" : String.format(Locale.ROOT, ", %.0f µs of PostgreSQL CPU",
                                                           dbCpu / 1e3 / Math.max(1, max.ok())), rate));
                    LoadGenerator.Result fixed = LoadGenerator.run(urls, requests, connections * 2, duration, rate);
                    long rss = 0;
                    for (Target target : started) {
                        rss = Math.max(rss, target.peakRssMib());
                    }
                    rows.add(new Row(spec.getKey(), pinned, max, cpu, jit, dbCpu, fixed, rss));
                } finally {
                    started.forEach(Target::close);
                }
            }
        }
        pinSelf(false);
        if (postgres[0] != null) {
            postgres[0].close();
        }
        List<String> jmh = List.of();
        if (!options.containsKey("only")) {
            progress("JMH: signature verification of a 1 KiB body");
            jmh = jmh(work.resolve("jmh.txt"));
        }
        String report = report(rows, rate, connections, duration, jmh) + String.join("", statements);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report);
        System.out.println(report);
        progress("written to " + out);
    }

    /** The command of each process of a target: one, or one per replica. */
    @FunctionalInterface
    private interface TargetSpec {
        List<List<String>> commands(int[] ports) throws Exception;
    }

    @FunctionalInterface
    private interface Command {
        List<String> command(int port) throws Exception;
    }

    private static TargetSpec single(Command command) {
        return ports -> List.of(command.command(ports[0]));
    }

    @FunctionalInterface
    private interface Measure {
        long of(Target target) throws Exception;
    }

    private static long sum(List<Target> targets, Measure measure) throws Exception {
        long sum = 0;
        for (Target target : targets) {
            sum += measure.of(target);
        }
        return sum;
    }

    /**
     * One target's measurements.
     *
     * @param cpuNanos the target's CPU time during the maximum-rate run, but for its JIT compiler threads
     * @param jitNanos the JIT compiler threads' CPU time meanwhile
     * @param dbNanos  PostgreSQL's CPU time meanwhile, -1 for a target without it
     */
    private record Row(String target, boolean pinned, LoadGenerator.Result max, long cpuNanos, long jitNanos,
                       long dbNanos, LoadGenerator.Result fixed, long peakRssMib) {
        double cpuMicrosPerRequest() {
            return cpuNanos / 1e3 / Math.max(1, max.ok());
        }

        String dbMicrosPerRequest() {
            return dbNanos < 0 ? "" : String.format(Locale.ROOT, "%.0f", dbNanos / 1e3 / Math.max(1, max.ok()));
        }
    }

    /**
     * Pins this JVM (the load generator, all its threads) to core 0, or lets it use every core again.
     */
    private static void pinSelf(boolean pinned) throws Exception {
        String cores = pinned ? "0" : "0-" + (CORES - 1);
        Process taskset = new ProcessBuilder("taskset", "-a", "-p", "-c", cores, Long.toString(ProcessHandle.current().pid()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (taskset.waitFor() != 0) {
            throw new IllegalStateException("taskset failed: is util-linux installed?");
        }
    }

    /**
     * A Relaygate target: the relay channel, or with {@code slackPlugin} the {@code slack} channel from that folder.
     */
    private static List<String> relaygate(String java, List<String> javaOptions, Path serverJar, Path work, int port,
                                          String inbox, Path slackPlugin, String extraYaml) throws Exception {
        Path dir = Files.createDirectories(work.resolve(inbox + (slackPlugin == null ? "" : "-slack") + "-" + port));
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
                %s
                """.formatted(port, dir.resolve("data"), slackPlugin == null ? dir.resolve("plugins") : slackPlugin.toAbsolutePath(),
                              inbox, channels, extraYaml.indent(2)));
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
                                                   .include(InboxBenchmark.class.getName())
                                                   .output(output.toString())
                                                   .forks(1)
                                                   .warmupIterations(3)
                                                   .warmupTime(TimeValue.seconds(1))
                                                   .measurementIterations(5)
                                                   .measurementTime(TimeValue.seconds(1))
                                                   .shouldFailOnError(true)
                                                   .build()).run()) {
            var primary = result.getPrimaryResult();
            String name = result.getParams().getBenchmark().replaceAll("^.*\\.(\\w+\\.\\w+)$", "$1");
            String batch = result.getParams().getParam("batch");
            if (batch == null) {
                lines.add(String.format(Locale.ROOT, "| %s | %.0f ± %.0f | %s |", name, primary.getScore(),
                                        primary.getScoreError(), primary.getScoreUnit()));
            } else {
                // Offers of `batch` events: report events per second.
                int events = Integer.parseInt(batch);
                lines.add(String.format(Locale.ROOT, "| %s (%s, %s events an offer) | %.0f ± %.0f | events/s |", name,
                                        result.getParams().getParam("store"), batch, primary.getScore() * events,
                                        primary.getScoreError() * events));
            }
        }
        return lines;
    }

    private static String report(List<Row> rows, double rate, int connections, Duration duration, List<String> jmh) {
        StringBuilder md = new StringBuilder();
        md.append("Run ").append(Instant.now()).append(" on ").append(CORES)
                .append(" cores, Java ").append(Runtime.version()).append("; ").append(connections)
                .append(" keep-alive connections, ").append(duration.toSeconds()).append(" s per measurement.\n\n");
        md.append("| Target | cores | max req/s | vs (c) | server CPU µs/req | vs (c) | DB CPU µs/req | JIT ms | errors at max "
                          + "| p50 ms | p99 ms | p99.9 ms | errors at fixed rate | peak RSS MiB |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---:|\n");
        for (Row row : rows) {
            Optional<Row> bare = rows.stream().filter(r -> r.target().startsWith("(c)") && r.pinned() == row.pinned())
                    .findFirst();
            double ceiling = bare.map(r -> r.max().perSecond()).orElse(Double.NaN);
            double floor = bare.map(Row::cpuMicrosPerRequest).orElse(Double.NaN);
            md.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f%% | %.0f | %.1f× | %s | %d | %s | %.2f | %.2f | %.2f "
                                            + "| %s | %d |%n",
                                    row.target(), row.pinned() ? "load 0, target 1" : "shared",
                                    row.max().perSecond(), 100 * row.max().perSecond() / ceiling,
                                    row.cpuMicrosPerRequest(), row.cpuMicrosPerRequest() / floor, row.dbMicrosPerRequest(),
                                    row.jitNanos() / 1_000_000,
                                    errors(row.max()), row.fixed().millis(50), row.fixed().millis(99),
                                    row.fixed().millis(99.9), errors(row.fixed()), row.peakRssMib()));
        }
        md.append(String.format(Locale.ROOT, "%nServer CPU is the target processes' user and system time during the maximum-"
                + "rate run, but for their JIT compiler threads (their time is the JIT column), divided by the requests "
                + "answered 200; DB CPU is PostgreSQL's (all its processes) over the same run and requests. Two replicas "
                + "each get half the connections; their peak RSS is the larger one's. Latency at a fixed %.0f req/s (half of (a)'s maximum), "
                + "open loop, measured from each request's intended start.%n%n", rate));
        if (!jmh.isEmpty()) {
            md.append("| JMH | | |\n|---|---:|---|\n");
            jmh.forEach(line -> md.append(line).append('\n'));
        }
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
                throw new IllegalArgumentException("usage: bench [--duration PT20S] [--warmup PT15S] [--connections 32] "
                                                           + "[--server-jar FILE] [--java-opts \"...\"] [--out FILE] "
                                                           + "[--only abcdefg] [--pin off|on|both] [--slack-plugin-dir DIR]");
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }

    private static void progress(String line) {
        System.err.println("bench: " + line);
    }
}
