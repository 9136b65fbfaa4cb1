package dev.relaygate.bench;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.slack.api.app_backend.SlackSignature;
import com.standardwebhooks.Webhook;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Secret;
import dev.relaygate.api.SignedRequestVerifier;
import dev.relaygate.api.TimestampWindow;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;

/**
 * Verifying one signed 1 KiB webhook, timestamp check included: Relaygate's toolkit, Slack SDK's
 * {@code SlackSignature.Verifier}, and the Standard Webhooks library.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class VerifyBenchmark {
    private static final String SLACK_SECRET = SignedRequests.SLACK_SECRET;
    private static final String WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private SignedRequestVerifier relaygate;
    private WebhookRequest relayRequest;
    private SlackSignature.Verifier slack;
    private String slackTimestamp;
    private String slackSignature;
    private Webhook standardWebhooks;
    private Map<String, List<String>> standardHeaders;
    private String body;

    @Setup
    public void setUp() throws Exception {
        body = "{\"text\":\"" + "x".repeat(1024 - 11) + "\"}";
        String now = Long.toString(System.currentTimeMillis() / 1000);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);

        Secret relaySecret = Secret.ofHex(SignedRequests.RELAY_SECRET_HEX);
        relaygate = SignedRequestVerifier.builder()
                .signatureHeader("X-Relay-Signature")
                .timestamp("X-Relay-Timestamp", TimestampWindow.create(Duration.ofMinutes(5), Clock.systemUTC()))
                .signature(HmacSignature.hex("sha256="))
                .payload((timestamp, request) -> new byte[][] {timestamp.getBytes(StandardCharsets.US_ASCII), {'.'},
                        request.body()})
                .keys(() -> List.of(relaySecret))
                .build();
        relayRequest = WebhookRequest.builder()
                .header("X-Relay-Timestamp", now)
                .header("X-Relay-Signature", HmacSignature.hex("sha256=").sign(relaySecret,
                                                                                  (now + ".").getBytes(StandardCharsets.US_ASCII), bytes))
                .body(bytes)
                .build();

        SlackSignature.Generator generator = new SlackSignature.Generator(SLACK_SECRET);
        slack = new SlackSignature.Verifier(generator);
        slackTimestamp = now;
        slackSignature = generator.generate(now, body);

        standardWebhooks = new Webhook(WHSEC);
        String id = "msg_bench";
        standardHeaders = Map.of("webhook-id", List.of(id), "webhook-timestamp", List.of(now),
                                 "webhook-signature", List.of(standardWebhooks.sign(id, Long.parseLong(now), body)));
        if (!relaygate.verify(relayRequest).equals(Verdict.ACCEPTED) || !slack.isValid(slackTimestamp, body, slackSignature)) {
            throw new IllegalStateException("the benchmark's requests must verify");
        }
        standardWebhooks.verify(body, standardHeaders);
    }

    @Benchmark
    public Verdict relaygate() {
        return relaygate.verify(relayRequest);
    }

    @Benchmark
    public boolean slackSdk() {
        return slack.isValid(slackTimestamp, body, slackSignature);
    }

    @Benchmark
    public Object standardWebhooks() throws Exception {
        standardWebhooks.verify(body, standardHeaders);
        return standardWebhooks;
    }
}
