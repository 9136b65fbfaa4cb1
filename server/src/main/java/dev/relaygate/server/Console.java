package dev.relaygate.server;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.staticcontent.ClasspathHandlerConfig;
import io.helidon.webserver.staticcontent.StaticContentFeature;

/**
 * {@code GET /console/}: the operator's console, static files from the server jar ({@code console/} on the class
 * path) served by Helidon's static content handler. The page calls {@code /api/v1} with the bearer token the operator
 * types in (kept in {@code sessionStorage}: no cookie, so no CSRF surface). Every console response forbids inline
 * script, framing, sniffing and referrers.
 */
final class Console {
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private Console() {
    }

    static void register(HttpRouting.Builder routing) {
        routing.get("/console", (req, res) -> {
            res.status(Status.MOVED_PERMANENTLY_301);
            res.header(HeaderNames.LOCATION, "/console/");
            res.send();
        });
        routing.any("/console/*", (req, res) -> {
            res.header(HeaderNames.create("Content-Security-Policy"), CONTENT_SECURITY_POLICY);
            res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
            res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
            res.header(HeaderNames.create("X-Frame-Options"), "DENY");
            res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            res.next();
        });
        routing.register("/console", StaticContentFeature.createService(ClasspathHandlerConfig.builder()
                .location("console")
                .welcome("index.html")
                .build()));
    }
}
