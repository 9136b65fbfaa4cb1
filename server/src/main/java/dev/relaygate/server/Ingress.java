package dev.relaygate.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.OptionalLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.http.RequestException;
import io.helidon.webserver.http.ServerRequest;

/**
 * Webhook bodies while they arrive and while they are handled: at most {@code relaygate.ingress.max-bytes-in-flight}
 * bytes across all connections, and each body whole within {@code relaygate.ingress.body-timeout} (checked every tenth
 * of it).
 *
 * <p>A body's declared length is reserved before its first byte is read (a chunked body reserves as it arrives), and
 * stays reserved until the webhook is answered, since verifying, decoding and storing it take memory in proportion.
 * Bodies up to {@link #SMALL} (nearly every webhook) may use the whole budget, larger ones only its first half, so
 * that a flood of large bodies cannot keep the small ones out. When a new body does not fit, the body that has been
 * arriving the longest is cut off if that has taken more than {@link #CUTTABLE_AFTER}: a sender that stalls must not
 * hold the budget against senders that finish in milliseconds. If no body is that slow, the new one is refused
 * ({@link Busy}: {@code 503 busy}, the sender retries).
 *
 * <p>Cutting a body off interrupts the thread that reads it: Helidon reads on the request's virtual thread, and a
 * virtual thread interrupted in a socket operation closes the socket (JEP 444), which is all that can be done with a
 * sender that has stopped sending.
 */
final class Ingress implements AutoCloseable {
    /** A body that has been arriving for longer than this may be cut off to make room for another. */
    static final Duration CUTTABLE_AFTER = Duration.ofSeconds(1);
    /** Bodies up to this size may use the whole budget; larger ones half of it. */
    static final long SMALL = 64 * 1024;
    private static final System.Logger LOGGER = System.getLogger(Ingress.class.getName());
    private static final byte[] EMPTY = new byte[0];
    private static final int CHUNK = 16 * 1024;

    private final long maxBytes;
    private final long timeoutNanos;
    private final long tickNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition closing = lock.newCondition();
    // Bodies still arriving, oldest first: all have the same deadline, so the oldest are the ones to expire.
    private final LinkedHashSet<Claim> arriving = new LinkedHashSet<>();
    private long inFlight;
    private boolean closed;

    Ingress(long maxBytes, Duration bodyTimeout) {
        this.maxBytes = maxBytes;
        this.timeoutNanos = bodyTimeout.toNanos();
        // Deadlines are checked on a tick of a tenth of the timeout (10 ms to 1 s), not per body: a wake-up for every
        // request would cost more than the check.
        this.tickNanos = Math.clamp(timeoutNanos / 10, Duration.ofMillis(10).toNanos(), Duration.ofSeconds(1).toNanos());
        Thread.ofPlatform().name("relaygate-body-deadlines").daemon().start(this::enforceDeadlines);
    }

    /**
     * Starts a body's claim on the budget; close it once the webhook is answered.
     */
    Claim claim() {
        return new Claim();
    }

    /**
     * Bytes reserved now, for tests and metrics.
     */
    long inFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            closing.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void enforceDeadlines() {
        lock.lock();
        try {
            while (!closed) {
                try {
                    closing.awaitNanos(tickNanos);
                    long now = System.nanoTime();
                    while (!arriving.isEmpty() && now - arriving.getFirst().started >= timeoutNanos) {
                        cut(arriving.getFirst(), Outcome.TIMED_OUT);
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // Never expected; this thread must not stop, or stalled bodies would be held for ever.
                    LOGGER.log(Level.ERROR, "Enforcing body deadlines failed", e);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    // Under the lock.
    private void cut(Claim claim, Outcome why) {
        arriving.remove(claim);
        claim.outcome = why;
        inFlight -= claim.bytes;
        claim.bytes = 0;
        claim.reader.interrupt();
    }

    /** How a body's arrival ended when it did not arrive whole. */
    enum Outcome {
        /** Arriving (or arrived). */
        OPEN,
        /** Not whole within the body timeout. */
        TIMED_OUT,
        /** Cut off to make room for other bodies. */
        CUT
    }

    /** The budget has no room for this body (and no slow body to cut off): {@code 503 busy}. */
    static final class Busy extends Exception {
        Busy() {
            super("busy", null, false, false);
        }
    }

    /** The body did not arrive whole: the connection is closed, there is no one to answer. */
    static final class Lost extends Exception {
        private final Outcome outcome;

        Lost(Outcome outcome, Throwable cause) {
            super(outcome.name(), cause, false, false);
            this.outcome = outcome;
        }

        /**
         * Why: {@link Outcome#TIMED_OUT}, {@link Outcome#CUT}, or {@link Outcome#OPEN} when the sender went away.
         */
        Outcome outcome() {
            return outcome;
        }
    }

    /**
     * One webhook's share of the budget, from before its first byte is read until it is answered.
     */
    final class Claim implements AutoCloseable {
        private final Thread reader = Thread.currentThread();
        private final long started = System.nanoTime();
        // Under the lock.
        private long bytes;
        private Outcome outcome = Outcome.OPEN;

        private Claim() {
        }

        /**
         * Reads the whole body within the deadline, reserving its bytes.
         *
         * @throws Busy when the budget has no room for it
         * @throws Lost when it did not arrive whole (timed out, cut off, or the sender went away)
         */
        byte[] read(ServerRequest req) throws Busy, Lost {
            if (!req.content().hasEntity()) {
                return EMPTY;
            }
            OptionalLong length = req.headers().contentLength();
            lock.lock();
            try {
                arriving.add(this);
                if (length.isPresent()) {
                    reserve(length.getAsLong());
                }
            } finally {
                lock.unlock();
            }
            byte[] body;
            try (InputStream in = req.content().inputStream()) {
                body = length.isPresent() ? readLength(in, Math.toIntExact(length.getAsLong())) : readChunked(in);
            } catch (RequestException e) {
                // Helidon's own refusal (a chunked body over max-payload-size: 413): its answer, not ours.
                arrived();
                throw e;
            } catch (IOException | RuntimeException e) {
                throw new Lost(arrived(), e);
            }
            Outcome outcome = arrived();
            if (outcome != Outcome.OPEN) {
                // Cut off as the last byte came in: the interrupt may have closed the connection already.
                throw new Lost(outcome, null);
            }
            return body;
        }

        private byte[] readLength(InputStream in, int length) throws IOException {
            byte[] body = new byte[length];
            if (in.readNBytes(body, 0, length) < length) {
                throw new IOException("the body ended early");
            }
            return body;
        }

        private byte[] readChunked(InputStream in) throws IOException, Busy {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            byte[] chunk = new byte[CHUNK];
            for (int n; (n = in.read(chunk)) >= 0; ) {
                lock.lock();
                try {
                    reserve(n);
                } finally {
                    lock.unlock();
                }
                body.write(chunk, 0, n);
            }
            return body.toByteArray();
        }

        // Under the lock. Makes room by cutting off bodies that have been arriving too long, oldest first.
        private void reserve(long more) throws Busy {
            if (outcome != Outcome.OPEN) {
                return; // cut off meanwhile: the read fails next
            }
            long limit = bytes + more > SMALL ? maxBytes / 2 : maxBytes;
            while (inFlight + more > limit) {
                Claim oldest = arriving.isEmpty() ? this : arriving.getFirst();
                if (oldest == this || System.nanoTime() - oldest.started < CUTTABLE_AFTER.toNanos()) {
                    arriving.remove(this);
                    throw new Busy();
                }
                cut(oldest, Outcome.CUT);
            }
            inFlight += more;
            bytes += more;
        }

        // The read is over: the deadline no longer applies. An interrupt meant for the read must not outlive it.
        private Outcome arrived() {
            lock.lock();
            try {
                arriving.remove(this);
                if (outcome != Outcome.OPEN) {
                    Thread.interrupted();
                }
                return outcome;
            } finally {
                lock.unlock();
            }
        }

        /**
         * Gives the bytes back.
         */
        @Override
        public void close() {
            lock.lock();
            try {
                arriving.remove(this);
                inFlight -= bytes;
                bytes = 0;
            } finally {
                lock.unlock();
            }
        }
    }
}
