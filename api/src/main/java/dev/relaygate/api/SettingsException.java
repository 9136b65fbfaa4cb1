package dev.relaygate.api;

/**
 * A configuration value is missing or cannot be used. The message starts with the full key, for example
 * {@code relaygate.channels.slack.signing-secret: expected 64 hex characters}, and never contains the value of a secret.
 */
public class SettingsException extends IllegalArgumentException {
    private final String key;

    /**
     * A problem with one key.
     *
     * @param key     the full configuration key
     * @param problem what is wrong with it
     */
    public SettingsException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    /**
     * The full configuration key at fault.
     *
     * @return the key
     */
    public String key() {
        return key;
    }
}
