package dev.relaygate.api;

final class RelayExample {
    // relay-protocol.md 2.4, byte for byte.
    static final String BODY = "{\"id\":\"1773946400.123456\",\"event_type\":\"direct_message\",\"provider\":\"slack\","
            + "\"provider_scope\":\"T0123ABCD\",\"channel_id\":\"D0456EFGH\",\"sender_id\":\"U0789IJKL\","
            + "\"sender_name\":\"alice\",\"content\":\"hello agent\",\"thread_id\":null,\"raw\":{},"
            + "\"timestamp\":\"2026-03-19T18:53:20Z\"}";

    private RelayExample() {
    }
}
