package dev.relaygate.plugins.slackrelay;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.relaygate.api.ApprovalDecision;
import dev.relaygate.api.ApprovalRequest;
import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.ChannelException;
import dev.relaygate.api.Delivery;
import dev.relaygate.api.Endpoint;
import dev.relaygate.api.Health;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.Rejection;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.ChannelContext;
import dev.relaygate.api.spi.Verifier;

import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;

/**
 * One slack-relay channel.
 *
 * <p>Ingress follows relay-protocol.md 2.2 exactly: {@code 503 relay not configured} while no signing secret is loaded,
 * then the toolkit's checks (in {@link RelayVerifier}), then {@code 400 invalid JSON}, then
 * {@code 503 relay channel not active}; and, once the channel knows its team, {@code 403 team not connected} for an
 * event of another team. Outbound messages go through the relay's Slack proxy (3.7), approvals through
 * {@code POST /approvals} (8), and the workspace is connected with the relay's OAuth flow (5, in {@link SlackConnect}).
 *
 * <p>Readiness reasons are public, so they are fixed texts ({@code relay error HTTP 500}, {@code relay unreachable},
 * {@code relay protocol error}); what the relay said goes to the health detail and to WARNING logs.
 */
final class SlackRelayChannel implements Channel {
    static final Rejection NOT_CONFIGURED = Rejection.unavailable("relay not configured");
    static final Rejection INVALID_JSON = Rejection.badRequest("invalid JSON");
    static final Rejection NOT_ACTIVE = Rejection.unavailable("relay channel not active");
    static final Rejection TEAM_NOT_CONNECTED = new Rejection(403, "team not connected");
    static final String TEAM_KEY = "team_id";
    static final Duration RELAY_CHECK_INTERVAL = Duration.ofSeconds(30);
    private static final String APPROVAL_KEY = "approval:";
    private static final JsonProvider JSON = JsonProvider.provider();

    private final RelaySettings settings;
    private final ChannelContext context;
    private final Optional<RelayClient> relay;
    private final Executor background;
    private final SigningKeys keys;
    private final Verifier verifier;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicReference<Optional<Health>> activationError = new AtomicReference<>(Optional.empty());
    private final AtomicReference<RelayStatus> relayStatus = new AtomicReference<>(RelayStatus.UNCHECKED);
    private final AtomicBoolean checkingRelay = new AtomicBoolean();
    private final SlackConnect connect;

    /** The last answer of {@code GET /connections}, for readiness. */
    private record RelayStatus(Instant checkedAt, Optional<Health> problem) {
        static final RelayStatus UNCHECKED = new RelayStatus(Instant.MIN, Optional.empty());
    }

    /**
     * A channel.
     *
     * @param background runs the work no request waits for: secret re-fetches and relay checks
     */
    SlackRelayChannel(RelaySettings settings, ChannelContext context, Optional<RelayClient> relay, Executor background) {
        this.settings = settings;
        this.context = context;
        this.relay = relay;
        this.background = background;
        this.keys = new SigningKeys(context.clock(), context.logger());
        this.verifier = new RelayVerifier(keys, settings.tolerance(), context.clock(), relay, background);
        this.connect = new SlackConnect(context, relay, this, settings.callbackPath());
    }

    @Override
    public String path() {
        return settings.path();
    }

    @Override
    public Verifier verifier() {
        return verifier;
    }

    @Override
    public Inbound decode(WebhookRequest request) {
        Optional<RelayEvent> parsed = RelayEvent.parse(request.bodyText());
        if (parsed.isEmpty()) {
            return INVALID_JSON;
        }
        if (!keys.active()) {
            // Disconnected between verification and now.
            return NOT_ACTIVE;
        }
        RelayEvent event = parsed.get();
        Optional<String> team = keys.team();
        if (team.isPresent() && !event.providerScope().isEmpty() && !event.providerScope().equals(team.get())) {
            return TEAM_NOT_CONNECTED;
        }
        if (event.senderId().isEmpty() || event.channelId().isEmpty() || event.providerScope().isEmpty()) {
            // relay-protocol.md 3.4: acknowledged, then dropped.
            long count = dropped.incrementAndGet();
            context.logger().log(Level.DEBUG, "Dropped relay event " + event.id()
                    + " without sender, channel or team id (" + count + " so far)");
            return Inbound.events(List.of());
        }
        Optional<ApprovalDecision> decision = approvalDecision(event);
        return Inbound.events(List.of(new ChannelEvent(event.id(),
                                                       context.name(),
                                                       decision.isPresent() ? ChannelEvent.APPROVAL : event.eventType(),
                                                       event.provider(),
                                                       event.providerScope(),
                                                       event.channelId(),
                                                       event.threadId(),
                                                       event.senderId(),
                                                       event.displayName(),
                                                       event.text(),
                                                       request.bodyText(),
                                                       request.receivedAt(),
                                                       decision)));
    }

    /**
     * A direct message that answers the pending approval of its conversation and thread (relay-protocol.md 8.3).
     * The pending record is taken, so one approval gets one decision.
     */
    private Optional<ApprovalDecision> approvalDecision(RelayEvent event) {
        if (!ChannelEvent.DIRECT_MESSAGE.equals(event.eventType())) {
            return Optional.empty();
        }
        String key = approvalKey(event.channelId(), event.threadId());
        Optional<ApprovalDecision> structured = ApprovalPrompt.structured(event.text());
        Optional<ApprovalDecision.Decision> word = ApprovalPrompt.word(event.text());
        if (structured.isEmpty() && word.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> pending = context.state().get(key);
        if (pending.isEmpty() || structured.isPresent() && !structured.get().requestId().equals(pending.get())) {
            return Optional.empty();
        }
        if (context.state().take(key).filter(pending.get()::equals).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(structured.orElseGet(() -> new ApprovalDecision(pending.get(), word.get())));
    }

    @Override
    public Delivery send(OutboundMessage message) {
        RelayClient client = relay.orElseThrow(
                () -> new ChannelException("cannot send: relay-url and api-key are not set", false));
        String team = message.inReplyTo().map(ChannelEvent::scope).filter(s -> !s.isEmpty())
                .or(keys::team)
                .orElseThrow(() -> new ChannelException("cannot send: no Slack team is connected", false));
        Optional<String> thread = message.thread().or(() -> message.inReplyTo().flatMap(SlackRelayChannel::replyThread));
        if (message.approval().isPresent()) {
            return requestApproval(client, team, message, thread, message.approval().get());
        }
        var body = JSON.createObjectBuilder().add("channel", message.conversation()).add("text", message.text());
        thread.ifPresent(ts -> body.add("thread_ts", ts));
        return delivered(message.conversation(), thread,
                         client.proxy("slack", "chat.postMessage", team, body.build()));
    }

    /**
     * Threading: in channels and mentions the reply goes into the thread (the thread, else the message itself, whose
     * id is its Slack ts); in a direct message only when the user wrote in a thread.
     */
    static Optional<String> replyThread(ChannelEvent event) {
        if (ChannelEvent.DIRECT_MESSAGE.equals(event.type()) || ChannelEvent.APPROVAL.equals(event.type())) {
            return event.thread();
        }
        return event.thread().or(() -> Optional.of(event.id()).filter(id -> !id.isEmpty()));
    }

    private Delivery requestApproval(RelayClient client, String team, OutboundMessage message, Optional<String> thread,
                                     ApprovalRequest request) {
        boolean direct = message.inReplyTo()
                .map(event -> ChannelEvent.DIRECT_MESSAGE.equals(event.type()) || ChannelEvent.APPROVAL.equals(event.type()))
                .orElse(message.conversation().startsWith("D"));
        if (!direct) {
            throw new ChannelException(ApprovalPrompt.SHARED_CHANNEL_REFUSAL.formatted(request.tool()), false);
        }
        String token;
        try {
            token = client.registerApproval(team, message.conversation(), request.requestId(), thread);
        } catch (ChannelException e) {
            throw new ChannelException("Failed to register approval: " + e.getMessage(), e.retryable(), e);
        }
        // Pending before the prompt is visible: a quick click must find it.
        String key = approvalKey(message.conversation(), thread);
        Optional<String> earlier = context.state().get(key);
        context.state().put(key, request.requestId());
        try {
            JsonValue answer = client.proxy("slack", "chat.postMessage", team,
                                            ApprovalPrompt.message(message.conversation(), thread, request, token));
            return delivered(message.conversation(), thread, answer);
        } catch (RuntimeException e) {
            // No prompt was shown: the request that was pending before stays pending.
            earlier.ifPresentOrElse(id -> context.state().put(key, id), () -> context.state().take(key));
            throw e;
        }
    }

    private static Delivery delivered(String conversation, Optional<String> thread, JsonValue answer) {
        Optional<String> ts = answer instanceof JsonObject object && object.get("ts") instanceof JsonString s
                ? Optional.of(s.getString())
                : Optional.empty();
        return new Delivery(conversation, thread, ts);
    }

    private static String approvalKey(String conversation, Optional<String> thread) {
        return APPROVAL_KEY + conversation + ":" + thread.orElse("");
    }

    @Override
    public List<Endpoint> endpoints() {
        return connect.endpoints();
    }

    @Override
    public Health health() {
        if (!keys.active()) {
            return activationError.get().orElseGet(() -> Health.down(relay.isPresent()
                    ? "not connected: GET /api/v1/channels/" + context.name() + "/connect starts the Slack OAuth flow"
                    : "no signing secret"));
        }
        if (relay.isEmpty()) {
            return Health.READY;
        }
        RelayStatus status = relayStatus.get();
        if (status.checkedAt().plus(RELAY_CHECK_INTERVAL).isBefore(context.clock().instant())
                && checkingRelay.compareAndSet(false, true)) {
            // Probes read the cached answer; a stale one is refreshed in the background.
            background.execute(() -> {
                try {
                    checkRelay();
                } finally {
                    checkingRelay.set(false);
                }
            });
        }
        return status.problem().orElse(Health.READY);
    }

    private void checkRelay() {
        Optional<Health> problem;
        try {
            Optional<String> team = keys.team();
            problem = relay.orElseThrow().connections(settings.instanceId()).stream()
                    .filter(c -> team.isPresent() && c.teamId().equals(team.get()) && !c.connected())
                    .findFirst()
                    .map(c -> Health.down("workspace " + c.teamId() + " is disconnected at the relay"));
        } catch (RelayException e) {
            problem = Optional.of(Health.down(e.publicReason(), "relay not reachable: " + e.getMessage()));
        }
        RelayStatus previous = relayStatus.getAndSet(new RelayStatus(context.clock().instant(), problem));
        if (problem.isPresent() && !problem.equals(previous.problem())) {
            context.logger().log(Level.WARNING, "Channel " + context.name() + " not ready: "
                    + problem.get().detail().orElse(problem.get().reason()));
        }
    }

    @Override
    public void start() {
        long generation = keys.generation();
        if (settings.signingSecret().isPresent()) {
            keys.activate(generation, team(), settings.signingSecret().get(), false);
        } else {
            team().ifPresent(team -> activate(team, generation));
        }
        if (relay.isPresent() && keys.active()) {
            checkRelay();
        }
    }

    /**
     * The connected team: the one stored by the last OAuth callback, else the configured one.
     */
    private Optional<String> team() {
        return context.state().get(TEAM_KEY).or(settings::teamId);
    }

    /**
     * The OAuth callback's end (relay-protocol.md 5.2): store the team, then activate, unless a disconnect came after
     * {@code generation} was read.
     *
     * @return whether the channel is now active
     */
    boolean connect(String team, long generation) {
        if (!keys.ifCurrent(generation, () -> context.state().put(TEAM_KEY, team))) {
            context.logger().log(Level.INFO, "Channel " + context.name() + " was disconnected while connecting team " + team);
            return false;
        }
        return activate(team, generation);
    }

    /**
     * Activation in relay-protocol.md 5.4 order: fetch the secret (no fallback), then fill the slot, unless a
     * disconnect came after {@code generation} was read.
     *
     * @return whether the channel is now active
     */
    private boolean activate(String team, long generation) {
        if (relay.isEmpty()) {
            activationError.set(Optional.of(Health.down("cannot activate: relay-url and api-key are not set")));
            return false;
        }
        try {
            if (!keys.activate(generation, Optional.of(team), relay.get().signingSecret(team), true)) {
                context.logger().log(Level.INFO, "Channel " + context.name() + " was disconnected while activating");
                return false;
            }
            activationError.set(Optional.empty());
            context.logger().log(Level.INFO, "Channel " + context.name() + " activated for team " + team);
            return true;
        } catch (RelayException e) {
            String detail = "Failed to fetch relay signing secret: " + e.getMessage();
            activationError.set(Optional.of(Health.down(e.publicReason(), detail)));
            context.logger().log(Level.WARNING, "Channel " + context.name() + " not activated: " + detail);
            return false;
        }
    }

    /**
     * The generation of the connection, for {@link #connect}.
     */
    long generation() {
        return keys.generation();
    }

    /**
     * Removal (relay-protocol.md 5.6): clear the slot (so activations under way do not fill it again), forget the team;
     * the webhook answers {@code 503 relay not configured} from now on.
     */
    void deactivate() {
        keys.clear();
        context.state().take(TEAM_KEY);
        activationError.set(Optional.empty());
    }

    long dropped() {
        return dropped.get();
    }
}
