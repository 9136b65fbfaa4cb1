package dev.relaygate.server;

import java.util.ArrayList;
import java.util.List;

import dev.relaygate.api.spi.EventHandler;
import dev.relaygate.api.spi.HandlerContext;
import dev.relaygate.api.spi.HandlerProvider;

/**
 * A test agent that takes the whole heap ({@code type: memory-hog}): what a JVM does then is up to its flags.
 */
public final class MemoryHogHandlerProvider implements HandlerProvider {
    public MemoryHogHandlerProvider() {
    }

    @Override
    public String type() {
        return "memory-hog";
    }

    @Override
    public EventHandler create(HandlerContext context) {
        return (event, attempt, replies) -> {
            // The handler may start before the webhook's answer is written; a JVM that ends at once would take the
            // answer with it. The test is about how the JVM ends, so the answer goes out first.
            Thread.sleep(1000);
            List<byte[]> hog = new ArrayList<>();
            while (true) {
                hog.add(new byte[1 << 20]);
            }
        };
    }
}
