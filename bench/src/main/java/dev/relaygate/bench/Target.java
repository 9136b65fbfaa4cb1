package dev.relaygate.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server under test in its own JVM on loopback, so that its memory is its own: started, measured, stopped.
 */
final class Target implements AutoCloseable {
    // getconf CLK_TCK: 100 on Linux (the kernel's USER_HZ), which /proc reports CPU times in.
    private static final long CLOCK_TICKS = 100;

    private final String name;
    private final Process process;
    private final URI url;

    private Target(String name, Process process, URI url) {
        this.name = name;
        this.process = process;
        this.url = url;
    }

    /** Ports free now, all different: each socket stays open until every port is known. */
    static int[] freePorts(int count) throws IOException {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }

    static Target start(String name, List<String> command, int port, String path, Path log) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited: " + Files.readString(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return new Target(name, process, URI.create("http://127.0.0.1:" + port + path));
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException(name + " did not listen on " + port + " within 90 s: " + Files.readString(log));
    }

    String name() {
        return name;
    }

    URI url() {
        return url;
    }

    /**
     * CPU time the process has used so far (user and system, from {@code /proc/<pid>/stat}), in nanoseconds: far
     * steadier than requests per second on a shared machine.
     */
    long cpuNanos() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        // Fields after the command name (which may hold spaces, inside parentheses): state is field 3, utime 14, stime 15.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return ticks * (1_000_000_000L / CLOCK_TICKS);
    }

    /**
     * CPU time the JIT compiler threads have used so far, in nanoseconds: a one-time cost that a short run would
     * otherwise charge to every request.
     */
    long compilerCpuNanos() throws IOException {
        long nanos = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).contains("CompilerThre")) {
                        String stat = Files.readString(task.resolve("stat"));
                        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        nanos += (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * (1_000_000_000L / CLOCK_TICKS);
                    }
                } catch (IOException gone) {
                    // a compiler thread that ended meanwhile
                }
            }
        }
        return nanos;
    }

    /** The peak resident set size so far (VmHWM), in MiB. */
    long peakRssMib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
