package dev.relaygate.server.store;

import java.lang.System.Logger.Level;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

/**
 * The writer thread of a durable inbox: it takes every operation waiting into one batch, which the store commits in
 * one transaction (group commit), so that concurrent webhooks share a commit instead of paying one each. Under load
 * (the last batch held more than one operation) it also waits up to the commit delay for more; a lone operation never
 * waits. Callers of {@link #submit} wait for their operation's commit; {@link #post}ed ones (done, retry and dead
 * marks) nobody waits for, and after a failed commit they are tried again with the next batch.
 *
 * @param <X> the store's transaction, which operations work in
 */
final class GroupCommit<X> {
    private static final int MAX_BATCH = 1024;
    private static final System.Logger LOGGER = System.getLogger(GroupCommit.class.getName());
    private static final Duration FAILED_COMMIT_PAUSE = Duration.ofMillis(100);

    /** What an operation does in the transaction. */
    @FunctionalInterface
    interface Work<X, T> {
        T apply(X tx) throws SQLException;
    }

    /** The store's commit of a batch: runs each operation's work, commits, and completes or fails each. */
    @FunctionalInterface
    interface Committer<X> {
        void commit(List<Op<X, ?>> batch, boolean stopping) throws SQLException;
    }

    /** An operation for the writer; a store may extend it with what its commit needs to know first. */
    static class Op<X, T> {
        private final Work<X, T> work;
        private final boolean posted;
        private final CompletableFuture<T> result = new CompletableFuture<>();

        Op(Work<X, T> work, boolean posted) {
            this.work = work;
            this.posted = posted;
        }

        T apply(X tx) throws SQLException {
            return work.apply(tx);
        }

        // Results are kept untyped beside the batch until its commit.
        @SuppressWarnings("unchecked")
        void complete(Object value) {
            result.complete((T) value);
        }

        void fail(Throwable failure) {
            result.completeExceptionally(failure);
        }
    }

    // Guarded by itself, so that nothing is queued after STOP.
    private final BlockingDeque<Op<X, ?>> ops = new LinkedBlockingDeque<>();
    private final Op<X, Void> stop = new Op<>(tx -> null, false);
    private final Committer<X> committer;
    private final long commitDelayNanos;
    private final Thread thread;
    private volatile boolean closed;
    private int lastBatch;

    GroupCommit(Committer<X> committer, Duration commitDelay) {
        this.committer = committer;
        this.commitDelayNanos = commitDelay.toNanos();
        this.thread = Thread.ofPlatform().name("relaygate-inbox-writer").daemon().start(this::write);
    }

    /**
     * Runs the operation in the next commit and waits for it; empty when the writer is closed.
     *
     * @throws IllegalStateException when the commit failed
     */
    <T> Optional<T> submit(Op<X, T> op) {
        if (!enqueue(op)) {
            return Optional.empty();
        }
        try {
            return Optional.of(op.result.get());
        } catch (ExecutionException e) {
            throw new IllegalStateException("inbox store failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the inbox store", e);
        }
    }

    /**
     * Runs the operation in a coming commit without waiting (dropped when the writer is closed).
     */
    void post(Op<X, Void> op) {
        enqueue(op);
    }

    boolean closed() {
        return closed;
    }

    /**
     * Commits what is queued, then stops the writer.
     *
     * @return whether this call closed it (false when it was closed already)
     */
    boolean close() {
        synchronized (ops) {
            if (closed) {
                return false;
            }
            closed = true;
            ops.add(stop);
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    /**
     * A commit failed (disk full, database gone): callers that wait are told; the marks nobody waits for are tried
     * again with the next batch, after a pause, unless the writer is stopping.
     */
    void failed(List<Op<X, ?>> batch, Exception e, boolean stopping) {
        batch.stream().filter(op -> !op.posted).forEach(op -> op.fail(e));
        if (stopping) {
            return; // their entries are delivered again after the next start
        }
        synchronized (ops) {
            batch.stream().filter(op -> op.posted).toList().reversed().forEach(ops::addFirst);
        }
        try {
            Thread.sleep(FAILED_COMMIT_PAUSE);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean enqueue(Op<X, ?> op) {
        synchronized (ops) {
            if (closed) {
                return false;
            }
            ops.addLast(op);
            return true;
        }
    }

    private void write() {
        List<Op<X, ?>> batch = new ArrayList<>();
        boolean stopping = false;
        while (!stopping) {
            batch.clear();
            try {
                batch.add(ops.take());
                gather(batch);
                stopping = batch.remove(stop);
                if (!batch.isEmpty()) {
                    committer.commit(batch, stopping);
                }
                lastBatch = batch.size();
            } catch (InterruptedException e) {
                // Only STOP ends the writer.
            } catch (Throwable t) {
                // Nothing may stop the writer, an OutOfMemoryError included: every caller would wait for it forever.
                LOGGER.log(Level.ERROR, "Inbox writer failed on " + batch.size() + " operations", t);
                batch.forEach(op -> op.fail(t));
            }
        }
    }

    /**
     * Takes what else waits; under load also what comes within the commit delay.
     */
    private void gather(List<Op<X, ?>> batch) throws InterruptedException {
        ops.drainTo(batch, MAX_BATCH - batch.size());
        if (commitDelayNanos == 0 || lastBatch < 2) {
            return;
        }
        long deadline = System.nanoTime() + commitDelayNanos;
        while (batch.size() < MAX_BATCH) {
            long left = deadline - System.nanoTime();
            Op<X, ?> more = left > 0 ? ops.poll(left, TimeUnit.NANOSECONDS) : null;
            if (more == null) {
                return;
            }
            batch.add(more);
            if (more == stop) {
                return;
            }
            ops.drainTo(batch, MAX_BATCH - batch.size());
        }
    }
}
