package dev.relaygate.api;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class JsonBodiesTest {
    @Test
    void readsOneObject() {
        Optional<JsonObject> object = JsonBodies.object("{\"a\":[1,{\"b\":null}]} \n".getBytes(StandardCharsets.UTF_8));
        assertThat(object.orElseThrow().getJsonArray("a").size(), is(2));
        assertThat(JsonBodies.value("[1]").isPresent(), is(true));
        assertThat(JsonBodies.object("[1]").isPresent(), is(false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "{", "{\"a\":1}x", "{\"a\":1}{}", "{\"a\":\"\\u12\"}", "{'a':1}", "nul", "{\"a\":1,}"})
    void anythingButOneJsonValueIsEmpty(String text) {
        assertThat(JsonBodies.value(text), is(Optional.empty()));
        assertThat(JsonBodies.value(text.getBytes(StandardCharsets.UTF_8)), is(Optional.empty()));
    }

    // Parsson refuses nesting beyond 1000 levels with a plain RuntimeException, not a JsonException.
    @Test
    void nestingBeyondTheParsersLimitIsEmptyNotAnException() {
        String deep = "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
        assertThat(JsonBodies.object(deep), is(Optional.empty()));
        assertThat(JsonBodies.object(deep.getBytes(StandardCharsets.UTF_8)), is(Optional.empty()));
    }

    @Test
    void membersAndWholeNumbersAreReadWithoutTrustingTheirShape() {
        JsonObject body = JsonBodies.object("""
                {"s":"x","n":5,"o":{"a":1},"big":4294967297,"neg":-5,"huge":1e999999999,"frac":1.5,"over":9223372036854775808,\
                "text":"7"}""").orElseThrow();
        assertThat(JsonBodies.text(body, "s"), is(Optional.of("x")));
        assertThat(JsonBodies.text(body, "n"), is(Optional.empty()));
        assertThat(JsonBodies.text(body, "missing"), is(Optional.empty()));
        assertThat(JsonBodies.object(body, "o").getInt("a"), is(1));
        assertThat(JsonBodies.object(body, "s").isEmpty(), is(true));
        assertThat(JsonBodies.wholeNumber(body.get("n")), is(Optional.of(5L)));
        assertThat("not wrapped to 1", JsonBodies.wholeNumber(body.get("big")), is(Optional.of(4294967297L)));
        assertThat(JsonBodies.wholeNumber(body.get("neg")), is(Optional.of(-5L)));
        assertThat("never expanded", JsonBodies.wholeNumber(body.get("huge")), is(Optional.empty()));
        assertThat(JsonBodies.wholeNumber(body.get("frac")), is(Optional.empty()));
        assertThat(JsonBodies.wholeNumber(body.get("over")), is(Optional.empty()));
        assertThat("a string is not a number", JsonBodies.wholeNumber(body.get("text")), is(Optional.empty()));
        assertThat(JsonBodies.wholeNumber(null), is(Optional.empty()));
    }
}
