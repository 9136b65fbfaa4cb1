package dev.relaygate.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.bolt.App;
import com.slack.api.bolt.AppConfig;
import com.slack.api.bolt.jetty.SlackAppServer;
import com.slack.api.model.event.MessageEvent;
import com.sun.net.httpserver.HttpServer;

/**
 * Target (d): Slack's Bolt for Java on its Jetty server, with its own request verification on, acknowledging every
 * message event. Bolt checks its bot token with {@code auth.test} (cached); a stand-in answers that on loopback, since
 * nothing here may reach Slack.
 */
public final class BoltTarget {
    private BoltTarget() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        SlackConfig slackConfig = new SlackConfig();
        slackConfig.setMethodsEndpointUrlPrefix(authTestStandIn() + "/api/");
        App app = new App(AppConfig.builder()
                                  .signingSecret(SignedRequests.SLACK_SECRET)
                                  .singleTeamBotToken("xoxb-bench")
                                  .slack(Slack.getInstance(slackConfig))
                                  .build());
        app.event(MessageEvent.class, (payload, context) -> context.ack());
        new SlackAppServer(app, "/relay/events", port).start();
    }

    private static String authTestStandIn() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] answer = """
                {"ok":true,"url":"https://bench.slack.com/","team":"bench","user":"bot","team_id":"T0BENCH",\
                "user_id":"U0BOT","bot_id":"B0BOT"}""".getBytes(StandardCharsets.UTF_8);
        server.createContext("/api/auth.test", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }
}
