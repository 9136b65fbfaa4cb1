package dev.relaygate.api;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;

/**
 * Parses verified bodies with JSON-P. Every way a text can fail to be one JSON value (a syntax error, a bad escape,
 * nesting deeper than the parser allows, content after the value) is an empty result, never an exception, so that a
 * channel answers {@code 400 invalid JSON} and never a 500 a sender would retry forever.
 */
public final class JsonBodies {
    private static final JsonProvider JSON = JsonProvider.provider();

    private JsonBodies() {
    }

    /**
     * One JSON value of any type.
     *
     * @param bytes UTF-8 JSON text
     * @return the value, empty when the bytes are not exactly one JSON value
     */
    public static Optional<JsonValue> value(byte[] bytes) {
        // Through a String: JSON-P's own byte decoding costs a detecting stream and an 8 KiB decoder per parse.
        return value(new String(bytes, StandardCharsets.UTF_8));
    }

    /**
     * One JSON value of any type.
     *
     * @param text JSON text
     * @return the value, empty when the text is not exactly one JSON value
     */
    public static Optional<JsonValue> value(String text) {
        try (JsonParser parser = JSON.createParser(new StringReader(text))) {
            return read(parser);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * A JSON object.
     *
     * @param bytes UTF-8 JSON text
     * @return the object, empty when the bytes are not exactly one JSON object
     */
    public static Optional<JsonObject> object(byte[] bytes) {
        return value(bytes).filter(JsonObject.class::isInstance).map(JsonObject.class::cast);
    }

    /**
     * A JSON object.
     *
     * @param text JSON text
     * @return the object, empty when the text is not exactly one JSON object
     */
    public static Optional<JsonObject> object(String text) {
        return value(text).filter(JsonObject.class::isInstance).map(JsonObject.class::cast);
    }

    private static Optional<JsonValue> read(JsonParser parser) {
        if (!parser.hasNext()) {
            return Optional.empty();
        }
        parser.next();
        JsonValue value = parser.getValue();
        return parser.hasNext() ? Optional.empty() : Optional.of(value);
    }
}
