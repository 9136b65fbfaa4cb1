package dev.relaygate.api;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SettingsExceptionTest {
    @Test
    void aCollectorReportsEveryProblemOnce() {
        SettingsException.Collector problems = SettingsException.collector();
        Optional<String> good = problems.read(() -> "fine");
        Optional<String> bad = problems.read(() -> {
            throw new SettingsException("a.secret", "too short");
        });
        problems.add("a.timeout", "not a duration");
        assertThat(good, is(Optional.of("fine")));
        assertThat(bad, is(Optional.empty()));
        SettingsException thrown = assertThrows(SettingsException.class, problems::throwIfAny);
        assertThat(thrown.problems().stream().map(SettingsException::getMessage).toList(),
                   contains("a.secret: too short", "a.timeout: not a duration"));
        assertThat(thrown.key(), is("a.secret"));

        // Problems of a nested collector are kept one by one.
        SettingsException.Collector outer = SettingsException.collector();
        outer.read(() -> {
            throw thrown;
        });
        assertThat(assertThrows(SettingsException.class, outer::throwIfAny).problems().size(), is(2));
    }

    @Test
    void oneProblemIsItselfAndNoProblemThrowsNothing() {
        SettingsException single = new SettingsException("k", "p");
        assertThat(single.problems(), is(List.of(single)));
        SettingsException.collector().throwIfAny();
    }
}
