package dev.relaygate.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Secret;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The drop-in proof: a channel plugin compiled here against the api alone, packed as a jar into a temporary plugins
 * folder (never on the test class path), is discovered by its type, gets its route, and has its signatures checked by
 * the routing layer before its decoder runs.
 */
class DropInPluginTest {
    private static final String PACKAGE = "com.example.hooks";
    private static final String PROVIDER = """
            package com.example.hooks;

            import dev.relaygate.api.spi.Channel;
            import dev.relaygate.api.spi.ChannelContext;
            import dev.relaygate.api.spi.ChannelProvider;

            public final class ExampleProvider implements ChannelProvider {
                public String type() {
                    return "example-hmac";
                }

                public Channel create(ChannelContext context) {
                    return new ExampleChannel(context);
                }
            }
            """;
    private static final String CHANNEL = """
            package com.example.hooks;

            import java.util.List;
            import java.util.Optional;
            import dev.relaygate.api.*;
            import dev.relaygate.api.spi.*;

            final class ExampleChannel implements Channel {
                private final ChannelContext context;
                private final Secret secret;
                private final Verifier verifier;

                ExampleChannel(ChannelContext context) {
                    this.context = context;
                    this.secret = context.settings().secret("secret")
                            .orElseThrow(() -> new SettingsException(context.settings().prefix() + ".secret", "required"));
                    this.verifier = SignedRequestVerifier.builder()
                            .signatureHeader("X-Example-Signature")
                            .signature(HmacSignature.hex("sha256="))
                            .payload((timestamp, request) -> new byte[][] {request.body()})
                            .keys(() -> List.of(secret))
                            .build();
                }

                public String path() {
                    return context.settings().text("path").orElse("/example/events");
                }

                public Verifier verifier() {
                    return verifier;
                }

                public Inbound decode(WebhookRequest request) {
                    return Inbound.events(List.of(ChannelEvent.of(request.header("X-Example-Id").orElse(""),
                            context.name(), "message", "example", "scope", "conv", Optional.empty(), "u1", "u1",
                            request.bodyText(), request.bodyText(), request.receivedAt())));
                }

                public Delivery send(OutboundMessage message) {
                    throw new ChannelException("example channels do not send", false);
                }

                public List<Endpoint> endpoints() {
                    return List.of(new Endpoint("GET", "/example/isolation", Endpoint.Access.API_TOKEN,
                            request -> WebhookResponse.text(200, Isolation.describe(getClass()))));
                }
            }
            """;
    private static final String ISOLATION = """
            package com.example.hooks;

            final class Isolation {
                static String describe(Class<?> type) {
                    String serverVisible;
                    try {
                        Class.forName("dev.relaygate.server.Gateway", false, type.getClassLoader());
                        serverVisible = "server visible";
                    } catch (ClassNotFoundException e) {
                        serverVisible = "server hidden";
                    }
                    return "loader=" + type.getClassLoader().getName() + " " + serverVisible;
                }
            }
            """;

    @TempDir
    static Path dir;

    @BeforeAll
    static void buildJar() throws Exception {
        PluginJars.build(dir.resolve("plugins").resolve("example-plugin.jar"),
                         Map.of(PACKAGE + ".ExampleProvider", PROVIDER,
                                PACKAGE + ".ExampleChannel", CHANNEL,
                                PACKAGE + ".Isolation", ISOLATION),
                         List.of(PACKAGE + ".ExampleProvider"));
    }

    @Test
    void pluginIsNotOnTheTestClassPath() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName(PACKAGE + ".ExampleProvider"));
    }

    @Test
    void discoveredRoutedAndVerified() throws InterruptedException {
        try (TestGateway gw = TestGateway.start(dir, """
                api-token: drop-in-test-token-0123
                channels:
                  slack:
                    enabled: false
                  hooks:
                    type: example-hmac
                    path: /example/events
                    secret: plugin-secret""")) {
            String body = "{\"hello\":\"plugin\"}";
            String good = HmacSignature.hex("sha256=").sign(Secret.ofText("plugin-secret"),
                                                            body.getBytes(StandardCharsets.UTF_8));
            try (Http1ClientResponse response = gw.post("/example/events", body)) {
                assertThat(response.status().code(), is(401));
                assertThat(response.as(String.class), is("{\"ok\":false,\"error\":\"missing signature\"}"));
            }
            try (Http1ClientResponse response = gw.post("/example/events", body, "X-Example-Signature",
                                                        good.replace('a', 'b').replace('0', '1'))) {
                assertThat(response.status().code(), is(401));
                assertThat(response.as(String.class), is("{\"ok\":false,\"error\":\"invalid signature\"}"));
            }
            try (Http1ClientResponse response = gw.post("/example/events", body, "X-Example-Signature", good,
                                                        "X-Example-Id", "ex-1")) {
                assertThat(response.status().code(), is(200));
                assertThat(response.as(String.class), is("{\"ok\":true}"));
            }
            ChannelEvent event = gw.recorder.next();
            assertThat(event.id(), is("ex-1"));
            assertThat(event.channel(), is("hooks"));
            assertThat(event.text(), is(body));
            assertThat(gw.recorder.events.isEmpty(), is(true));

            try (Http1ClientResponse response = gw.client.get("/observe/health/ready").request()) {
                assertThat(response.as(String.class), containsString("\"name\":\"channel:hooks\",\"status\":\"UP\""));
            }
        }
    }

    @Test
    void ownClassLoaderAndTokenProtectedEndpoint() {
        try (TestGateway gw = TestGateway.start(dir, """
                api-token: drop-in-test-token-0123
                channels:
                  slack:
                    enabled: false
                  hooks:
                    type: example-hmac
                    secret: plugin-secret""")) {
            try (Http1ClientResponse response = gw.client.get("/example/isolation").request()) {
                assertThat(response.status().code(), is(401));
            }
            try (Http1ClientResponse response = gw.client.get("/example/isolation")
                    .header(io.helidon.http.HeaderNames.AUTHORIZATION, "Bearer wrong-token").request()) {
                assertThat(response.status().code(), is(401));
            }
            try (Http1ClientResponse response = gw.client.get("/example/isolation")
                    .header(io.helidon.http.HeaderNames.AUTHORIZATION, "Bearer drop-in-test-token-0123").request()) {
                assertThat(response.status().code(), is(200));
                assertThat(response.as(String.class), is("loader=example-plugin.jar server hidden"));
            }
        }
    }
}
