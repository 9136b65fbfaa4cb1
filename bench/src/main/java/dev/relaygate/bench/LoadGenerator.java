package dev.relaygate.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * HTTP/1.1 keep-alive load on Helidon's WebClient: {@code connections} workers on virtual threads, each with its own
 * client and connection.
 * Closed loop at the maximum rate, or open loop at a fixed rate where latency is measured from each request's
 * intended start, so a stalled server cannot hide its stalls (no coordinated omission).
 */
final class LoadGenerator {
    private LoadGenerator() {
    }

    /** What a run measured. */
    record Result(long requests, Duration elapsed, Map<String, Long> statuses, Histogram latency) {
        double perSecond() {
            return requests / (elapsed.toNanos() / 1e9);
        }

        long ok() {
            return statuses.getOrDefault("200", 0L);
        }

        long errors() {
            return statuses.entrySet().stream().filter(e -> !e.getKey().equals("200")).mapToLong(Map.Entry::getValue).sum();
        }

        double millis(double percentile) {
            return latency.getValueAtPercentile(percentile) / 1e6;
        }
    }

    /**
     * The load spread over several targets (replicas), each with its share of the connections and of the rate; one
     * result for all of them.
     */
    static Result run(List<URI> targets, Supplier<SignedRequests> requests, int connections, Duration duration,
                      double rate) throws Exception {
        if (targets.size() == 1) {
            return run(targets.getFirst(), requests.get(), connections, duration, rate);
        }
        try (ExecutorService loads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Result>> results = new ArrayList<>();
            for (URI target : targets) {
                SignedRequests each = requests.get();
                results.add(loads.submit(() -> run(target, each, connections / targets.size(), duration,
                                                   rate / targets.size())));
            }
            long requestCount = 0;
            Duration elapsed = Duration.ZERO;
            Map<String, Long> statuses = new TreeMap<>();
            Histogram latency = null;
            for (Future<Result> future : results) {
                Result result = future.get();
                requestCount += result.requests();
                elapsed = elapsed.compareTo(result.elapsed()) > 0 ? elapsed : result.elapsed();
                result.statuses().forEach((status, count) -> statuses.merge(status, count, Long::sum));
                if (latency == null) {
                    latency = result.latency().copy();
                } else {
                    latency.add(result.latency());
                }
            }
            return new Result(requestCount, elapsed, statuses, latency);
        }
    }

    /**
     * @param rate requests per second, or 0 for as fast as the connections go
     */
    static Result run(URI target, SignedRequests requests, int connections, Duration duration, double rate) throws Exception {
        Recorder recorder = new Recorder(3);
        Map<String, LongAdder> statuses = new ConcurrentHashMap<>();
        AtomicLong issued = new AtomicLong();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long interval = rate > 0 ? (long) (1e9 / rate) : 0;
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?>[] running = new Future<?>[connections];
            for (int c = 0; c < connections; c++) {
                running[c] = workers.submit(() -> {
                    // A client per worker: one keep-alive connection each, nothing shared between them.
                    Http1Client client = Http1Client.builder()
                            .baseUri(target)
                            .connectTimeout(Duration.ofSeconds(5))
                            .readTimeout(Duration.ofSeconds(30))
                            .build();
                    while (true) {
                        long intended;
                        if (interval > 0) {
                            intended = start + issued.getAndIncrement() * interval;
                            if (intended >= end) {
                                return null;
                            }
                            long wait = intended - System.nanoTime();
                            if (wait > 0) {
                                LockSupport.parkNanos(wait);
                            }
                        } else {
                            intended = System.nanoTime();
                            if (intended >= end) {
                                return null;
                            }
                        }
                        SignedRequests.Request request = requests.next();
                        Http1ClientRequest http = client.post();
                        request.headers().forEach((name, value) -> http.header(HeaderNames.create(name), value));
                        String status;
                        try (Http1ClientResponse response = http.submit(request.body())) {
                            response.entity().consume();
                            status = Integer.toString(response.status().code());
                        } catch (RuntimeException e) {
                            status = "io-error";
                        }
                        recorder.recordValue(Math.max(1, System.nanoTime() - intended));
                        statuses.computeIfAbsent(status, k -> new LongAdder()).increment();
                    }
                });
            }
            for (Future<?> future : running) {
                future.get();
            }
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        Map<String, Long> counts = new TreeMap<>();
        statuses.forEach((status, count) -> counts.put(status, count.sum()));
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        return new Result(total, elapsed, counts, recorder.getIntervalHistogram());
    }
}
