-- Relaygate on PostgreSQL, schema 1: the shared inbox (events, work), its conversation lanes, and the plugins' state.
-- Times are nanoseconds since the epoch (as in SQLite), except lease expiries, which are the database's own clock:
-- replicas' clocks may differ, the database's is the one they share.

CREATE SEQUENCE events_seq;

-- One row per stored event, written once: the event as it came. Text columns never hold NUL (PostgreSQL refuses
-- it): see Postgres.text().
CREATE TABLE events (
    seq               BIGINT PRIMARY KEY,
    id                TEXT    NOT NULL,
    received_at       BIGINT  NOT NULL,
    dedup             BOOLEAN NOT NULL,
    channel           TEXT    NOT NULL,
    scope             TEXT    NOT NULL,
    event_id          TEXT    NOT NULL,
    conversation      TEXT    NOT NULL,
    thread            TEXT,
    type              TEXT    NOT NULL,
    provider          TEXT    NOT NULL,
    sender_id         TEXT    NOT NULL,
    sender_name       TEXT    NOT NULL,
    approval_request  TEXT,
    approval_decision TEXT,
    text              TEXT    NOT NULL,
    raw               TEXT    NOT NULL
);
-- A relay retry that lands on another replica conflicts here: stored once. dedup is cleared when an id comes again
-- after the dedup window. Done events stay (for this index) until they leave the window.
CREATE UNIQUE INDEX events_dedup ON events (channel, scope, event_id) WHERE event_id <> '' AND dedup;

-- What still needs the agent, and the dead letters: a narrow row per event, rewritten at each step (the wide event
-- row never is), deleted when the event is done. state: pending (stored, not tried) | leased (a try is running) |
-- retry (a try failed, the next is due at due_at) | dead. No index names state, attempt, due_at or error, and pages
-- keep room, so the steps of a try are heap-only updates that touch no index.
CREATE TABLE work (
    seq         BIGINT  PRIMARY KEY,
    id          TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    lane        TEXT    NOT NULL,
    received_at BIGINT  NOT NULL,
    size        BIGINT  NOT NULL,
    state       TEXT    NOT NULL,
    attempt     INTEGER NOT NULL,
    due_at      BIGINT,
    error       TEXT,
    dead_at     BIGINT
) WITH (fillfactor = 70);
CREATE INDEX work_lane ON work (lane, seq);
CREATE INDEX work_dead ON work (seq) WHERE dead_at IS NOT NULL;

-- One row per conversation lane that a process owns: events of a lane are handled only by its owner, one at a time.
-- Work decides which lanes need an owner (a lane with work and no live row here is claimed); storing an event never
-- touches this table, so replicas that store into the same conversations do not wait on each other. An owner that
-- stops renewing loses the lane at expires_at; an owner whose lane has no work left deletes the row.
CREATE TABLE lanes (
    lane       TEXT        PRIMARY KEY,
    owner      TEXT        NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

-- The plugins' durable key-value state (StateStore), so that an OAuth callback or a button click may land anywhere.
CREATE TABLE state (
    owner TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (owner, key)
);
