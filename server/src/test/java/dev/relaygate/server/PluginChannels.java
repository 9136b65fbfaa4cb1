package dev.relaygate.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * The five drop-in channel plugins (github, standard-webhooks, telegram, discord, slack) as the tests run them: their
 * jars copied into a gateway's plugins folder (surefire keeps them off the class path) and one channel of each type.
 */
final class PluginChannels {
    static final String GITHUB_SECRET = "It's a Secret to Everybody";
    static final String WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final String TELEGRAM_TOKEN = "tg-secret-token";
    static final String SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

    private PluginChannels() {
    }

    /**
     * Copies the plugin jars into {@code <dir>/plugins}, where {@link TestGateway} points {@code plugins-dir}.
     */
    static void install(Path dir) throws IOException {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        try (Stream<Path> jars = Files.list(Path.of(System.getProperty("test.plugin-jars")))) {
            for (Path jar : jars.toList()) {
                Files.copy(jar, plugins.resolve(jar.getFileName()));
            }
        }
    }

    /**
     * The {@code channels:} entries {@code gh}, {@code hooks}, {@code tg}, {@code discord} and {@code slack-direct}, at
     * the indentation of a {@code relaygate:} section's children.
     */
    static String channels(KeyPair discord) {
        byte[] encoded = discord.getPublic().getEncoded();
        String publicKey = HexFormat.of().formatHex(Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length));
        return """
                  gh:
                    type: github
                    secret: "%s"
                  hooks:
                    type: standard-webhooks
                    secrets: [%s]
                  tg:
                    type: telegram
                    secret-token: %s
                  discord:
                    type: discord
                    public-key: %s
                  slack-direct:
                    type: slack
                    signing-secret: %s
                """.formatted(GITHUB_SECRET, WHSEC, TELEGRAM_TOKEN, publicKey, SLACK_SECRET);
    }
}
