package dev.relaygate.server;

import java.nio.file.Path;

import io.helidon.webclient.http1.Http1ClientResponse;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/**
 * A gateway on PostgreSQL: its settings, and a database that goes away. The store itself is tested in
 * {@code dev.relaygate.server.store} ({@code InboxTest}, {@code PostgresStoreTest}), the replicas under load in
 * {@link PostgresReplicasTest}.
 */
class PostgresTest {
    @TempDir
    Path dir;

    private String failure(String relaygateYaml) {
        return TestGateway.startupFailure(dir, relaygateYaml);
    }

    @Test
    void badSettingsNameTheKey() {
        assertThat(failure("inbox:\n  type: postgres"), is("relaygate.postgres.url: required for inbox type postgres "
                + "(jdbc:postgresql://host:5432/relaygate)"));
        assertThat(failure("inbox:\n  type: postgres\npostgres:\n  url: postgres://h/db"),
                   is("relaygate.postgres.url: must start with jdbc:postgresql:"));
        assertThat(failure("inbox:\n  type: postgres\n  lease-timeout: PT0.5S\npostgres:\n  url: jdbc:postgresql://h/db"),
                   is("relaygate.inbox.lease-timeout: must be at least PT1S, got PT0.5S"));
        assertThat(failure("inbox:\n  type: postgres\npostgres:\n  url: jdbc:postgresql://h/db\n  pool-size: 2"),
                   is("relaygate.postgres.pool-size: must be at least 3, got 2"));
        assertThat(failure("inbox:\n  type: nope"),
                   is("relaygate.inbox.type: unknown inbox type 'nope'; known types: durable, memory, postgres"));
        // Nothing listens on port 1: the start fails at once, and the password is not in the message.
        String unreachable = failure("inbox:\n  type: postgres\npostgres:\n  url: jdbc:postgresql://127.0.0.1:1/relaygate\n"
                                             + "  user: relaygate\n  password: hunter2-secret");
        assertThat(unreachable, startsWith("relaygate.postgres: cannot connect to jdbc:postgresql://127.0.0.1:1/relaygate: "));
        assertThat(unreachable, not(containsString("hunter2")));
    }

    @Test
    void aDatabaseThatGoesAwayMakesTheGatewayNotReadyAndWebhooks503() throws Exception {
        EmbeddedPostgres own = EmbeddedPostgres.builder().start();
        try (TestGateway gw = TestGateway.relay(dir, """
                inbox:
                  type: postgres
                postgres:
                  url: %s
                  user: postgres""".formatted(own.getJdbcUrl("postgres", "postgres")))) {
            try (Http1ClientResponse response = gw.postSigned(event("before"))) {
                assertThat(response.status().code(), is(200));
            }
            assertThat(gw.recorder.next().id(), is("before"));
            assertThat(ready(gw), containsString("\"status\":\"UP\""));
            try (Http1ClientResponse metrics = gw.client.get("/observe/metrics").request()) {
                assertThat("every meter names the replica", metrics.as(String.class),
                           containsString("relaygate_inbox_backlog{replica=\"" + java.net.InetAddress.getLocalHost().getHostName()
                                          + "-" + ProcessHandle.current().pid() + "\"}"));
            }
            own.close();
            TestGateway.eventually("readiness sees the database gone",
                                   () -> ready(gw).contains("storage unavailable: database unreachable"));
            try (Http1ClientResponse response = gw.postSigned(event("during"))) {
                assertThat("nothing is acknowledged", response.status().code(), is(503));
                assertThat(response.as(String.class), is("{\"ok\":false,\"error\":\"storage unavailable\"}"));
            }
        } finally {
            own.close();
        }
    }

    private static String event(String id) {
        return """
                {"id":"%s","event_type":"message","provider_scope":"T1","channel_id":"C1","sender_id":"U1","content":"m"}"""
                .formatted(id);
    }

    private static String ready(TestGateway gw) {
        try (Http1ClientResponse response = gw.client.get("/observe/health/ready").request()) {
            return response.as(String.class);
        }
    }
}
