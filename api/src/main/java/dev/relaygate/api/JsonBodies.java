package dev.relaygate.api;

import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
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

    /**
     * A member that is a string.
     *
     * @param parent the object
     * @param key    the member's name
     * @return its text, empty when it is missing or not a string
     */
    public static Optional<String> text(JsonObject parent, String key) {
        return parent.get(key) instanceof JsonString value ? Optional.of(value.getString()) : Optional.empty();
    }

    /**
     * A member that is an object.
     *
     * @param parent the object
     * @param key    the member's name
     * @return it, or an empty object when it is missing or not an object
     */
    public static JsonObject object(JsonObject parent, String key) {
        return parent.get(key) instanceof JsonObject object ? object : JsonValue.EMPTY_JSON_OBJECT;
    }

    /**
     * A whole number that fits a long, judged on the parsed decimal's scale and digits: a hostile {@code 1e999999999}
     * is never expanded, and {@code 4294967297} never wraps to {@code 1} as {@code intValue()} would.
     *
     * @param value a JSON value, or null
     * @return the number, empty for anything else
     */
    public static Optional<Long> wholeNumber(JsonValue value) {
        if (value instanceof JsonNumber number && number.isIntegral()) {
            BigInteger digits = number.bigDecimalValue().unscaledValue();
            return digits.bitLength() < Long.SIZE ? Optional.of(digits.longValue()) : Optional.empty();
        }
        return Optional.empty();
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
