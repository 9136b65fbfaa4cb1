package dev.relaygate.server;

import java.net.URI;
import java.time.Duration;

import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.spi.EventHandler;
import dev.relaygate.api.spi.HandlerContext;
import dev.relaygate.api.spi.HandlerProvider;
import dev.relaygate.api.spi.Settings;

/**
 * The {@code forward} handler: the agent is any HTTP endpoint ({@code relaygate.handler.url}), and every event reaches
 * it as a Standard Webhooks signed POST ({@code relaygate.handler.secret}, a {@code whsec_} key).
 */
public final class ForwardHandlerProvider implements HandlerProvider {
    // The value is not echoed: an agent URL may carry a token.
    private static final String INVALID_URL = "expected an http or https URL with a host";

    /**
     * Required by {@link java.util.ServiceLoader}.
     */
    public ForwardHandlerProvider() {
    }

    @Override
    public String type() {
        return "forward";
    }

    @Override
    public EventHandler create(HandlerContext context) {
        Settings settings = context.settings();
        return new ForwardHandler(url(settings), key(settings), settings.duration("timeout", Duration.ofSeconds(30)),
                                  context.clock(), context.logger());
    }

    private static URI url(Settings settings) {
        String key = settings.prefix() + ".url";
        String text = settings.text("url").orElseThrow(() -> new SettingsException(key, "required for the forward handler"));
        try {
            URI url = URI.create(text);
            if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
                throw new SettingsException(key, INVALID_URL);
            }
            return url;
        } catch (IllegalArgumentException e) {
            throw new SettingsException(key, INVALID_URL);
        }
    }

    private static Secret key(Settings settings) {
        String key = settings.prefix() + ".secret";
        Secret text = settings.secret("secret")
                .orElseThrow(() -> new SettingsException(key, "required for the forward handler (a whsec_ key)"));
        try {
            return Secret.ofStandardWebhooks(text.text());
        } catch (IllegalArgumentException e) {
            throw new SettingsException(key, "expected a whsec_ key (whsec_ and base64): " + e.getMessage());
        }
    }
}
