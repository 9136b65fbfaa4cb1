package dev.relaygate.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;

/**
 * Keeps the documentation honest where a machine can: the README stays a front page, every relative link and anchor in
 * the README, {@code docs/} and the api's README leads somewhere, and a documented {@code #Output:} of a command this
 * suite can run in process is what it prints.
 */
class DocsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]*)(#[^)\\s]*)?\\)");

    @TempDir
    Path dir;

    @Test
    void theReadmeIsAFrontPage() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        assertThat(readme.getBytes(StandardCharsets.UTF_8).length, lessThan(8 * 1024));
        assertThat(readme, startsWith("# Relaygate\n"));
        assertThat(readme, containsString("""
                ```shell
                bin/relaygate demo    # build if needed, then a gateway + a dev relay + the echo handler on loopback
                bin/relaygate test    # the whole test suite (mvn -B -ntp verify with a JDK 21+)
                ```"""));
    }

    @Test
    void everyRelativeLinkAndAnchorLeadsSomewhere() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("api/README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).forEach(pages::add);
        }
        List<String> broken = new ArrayList<>();
        for (Path page : pages) {
            Matcher link = LINK.matcher(Files.readString(page));
            while (link.find()) {
                String target = link.group(1);
                if (target.startsWith("http") || target.startsWith("<")) {
                    continue;
                }
                Path file = target.isEmpty() ? page : page.getParent().resolve(target).normalize();
                if (!Files.exists(file)) {
                    broken.add(ROOT.relativize(page) + ": " + target);
                } else if (link.group(2) != null && file.toString().endsWith(".md")
                        && !anchors(file).contains(link.group(2).substring(1))) {
                    broken.add(ROOT.relativize(page) + ": " + target + link.group(2));
                }
            }
        }
        assertThat(broken, is(empty()));
    }

    @Test
    void newChannelPrintsWhatThePluginGuideShows() throws IOException {
        Files.writeString(dir.resolve("pom.xml"), """
                <project><artifactId>relaygate-project</artifactId>
                    <version>0.1.0-SNAPSHOT</version>
                    <modules>
                        <module>server</module>
                    </modules></project>""");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NewChannel.run(new String[] {"my-chat"}, dir, new PrintStream(out, true, StandardCharsets.UTF_8));
        Matcher documented = Pattern.compile("bin/relaygate new-channel my-chat\\n#Output: (.*)\\n")
                .matcher(Files.readString(ROOT.resolve("docs/plugins.md")));
        assertThat(documented.find(), is(true));
        assertThat(out.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow(), is(documented.group(1)));
    }

    /** GitHub's heading anchors: lower case, punctuation dropped, spaces as dashes. */
    private static List<String> anchors(Path page) throws IOException {
        List<String> anchors = new ArrayList<>();
        boolean code = false;
        for (String line : Files.readAllLines(page)) {
            code ^= line.startsWith("```");
            if (!code && line.startsWith("#")) {
                anchors.add(line.replaceFirst("^#+ ", "").toLowerCase(Locale.ROOT).replaceAll("[^\\w\\- ]", "")
                                    .replace(' ', '-'));
            }
        }
        return anchors;
    }
}
