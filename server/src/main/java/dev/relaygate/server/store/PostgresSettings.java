package dev.relaygate.server.store;

import java.time.Duration;
import java.util.Optional;

import dev.relaygate.api.Secret;

/**
 * {@code relaygate.postgres.*}, {@code relaygate.inbox.lease-timeout} and {@code relaygate.instance-name}, checked.
 *
 * @param url          the JDBC URL
 * @param user         the database user, if any
 * @param password     the password, if any; never in {@link #toString()}
 * @param poolSize     HikariCP connections
 * @param leaseTimeout how long a replica owns a lane without renewing
 * @param instanceName this replica's name in logs and metrics
 * @param owner        the instance name with a random suffix: leases name one process, even when two share a name
 */
public record PostgresSettings(String url, Optional<String> user, Optional<Secret> password, int poolSize,
                               Duration leaseTimeout, String instanceName, String owner) {
    @Override
    public String toString() {
        return "PostgresSettings[url=" + url + ", user=" + user.orElse("") + ", poolSize=" + poolSize
                + ", leaseTimeout=" + leaseTimeout + ", instance=" + instanceName + "]";
    }
}
