package dev.relaygate.server;

import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.relaygate.devrelay.DevRelay;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The console in a real browser: Debian's Chromium, headless, through its chromedriver (nothing is downloaded), against
 * a gateway with the dev relay and the recording handler. Signs in, sees the channel ready, watches a message turn
 * handled live, watches a refused one become a dead letter, replays it, and checks that a message text that is HTML
 * stays text. Screenshots of each view go to {@code target/console-screenshots/} (the console pictures in docs/ are these).
 */
class ConsoleBrowserTest {
    private static final String TOKEN = "console-test-token-0123456789";
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

    @TempDir
    Path dir;

    private DevRelay relay;
    private TestGateway gw;
    private WebDriver browser;
    private WebDriverWait wait;

    @BeforeEach
    void start() throws Exception {
        relay = DevRelay.builder().apiKey("sk-agent-console").teamId("T0CONSOLE").clock(TestGateway.CLOCK).build().start();
        gw = TestGateway.start(dir, """
                api-token: %s
                handler:
                  type: recording
                  id: %s
                channels:
                  slack:
                    relay-url: %s
                    api-key: sk-agent-console
                    team-id: T0CONSOLE
                """.formatted(TOKEN, TestGateway.recorderId(dir), relay.url()));
        relay.gateway(URI.create("http://127.0.0.1:" + gw.gateway.port()));
        browser = chromium(dir.resolve("chromium-profile"));
        wait = new WebDriverWait(browser, Duration.ofSeconds(15));
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (gw != null) {
            gw.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    /**
     * Headless Chromium from the system, with the flags that keep it off the network and out of first-run screens.
     */
    static WebDriver chromium(Path profile) {
        File driver = firstExisting("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
        File binary = firstExisting("/usr/lib/chromium/chromium", "/usr/bin/chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(binary);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                             "--disable-component-update", "--no-first-run", "--window-size=1360,900",
                             "--user-data-dir=" + profile.toAbsolutePath());
        return new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driver).usingAnyFreePort().build(),
                                options);
    }

    private static File firstExisting(String... paths) {
        for (String path : paths) {
            if (new File(path).canExecute()) {
                return new File(path);
            }
        }
        throw new AssertionError("no " + List.of(paths) + ": the console test needs Debian's chromium and chromium-driver "
                                         + "(apt-get install chromium chromium-driver; .ci/run installs them)");
    }

    @Test
    void signInWatchEventsReplayADeadLetterAndRenderTextAsText() throws Exception {
        browser.get("http://127.0.0.1:" + gw.gateway.port() + "/console/");
        browser.findElement(By.id("token")).sendKeys("not-the-token-at-all");
        browser.findElement(By.cssSelector("#sign-in-form button")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("sign-in-error"), "refused the token"));

        browser.findElement(By.id("token")).clear();
        browser.findElement(By.id("token")).sendKeys(TOKEN);
        browser.findElement(By.cssSelector("#sign-in-form button")).click();
        WebElement slack = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("tr[data-channel='slack']")));
        assertThat(slack.getText(), containsString("slack-relay"));
        assertThat(slack.getText(), containsString("ready"));
        assertThat(slack.findElements(By.xpath(".//button[text()='Connect Slack']")).size(), is(1));
        screenshot("channels");

        // A message turns handled, live.
        tab("events");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("live"), "live"));
        assertThat(relay.message("direct_message", "D1", "hello console", Optional.empty()).status(), is(200));
        gw.recorder.next();
        WebElement handled = waitForRow("hello console", "handled");
        assertThat(handled.getText(), containsString("D1"));

        // HTML in a message is text: no element, no dialog.
        String html = "<img src=x onerror=alert(1)>";
        assertThat(relay.message("direct_message", "D1", html, Optional.empty()).status(), is(200));
        gw.recorder.next();
        WebElement row = waitForRow(html, "handled");
        assertThat(row.findElement(By.cssSelector("td.text")).getText(), is(html));
        assertThat(browser.findElements(By.cssSelector("#events img")), is(empty()));
        assertThrows(NoAlertPresentException.class, () -> browser.switchTo().alert());
        screenshot("events");

        // The agent is down: the next message is a dead letter with its error; once it is back, Replay handles it.
        gw.recorder.down = true;
        assertThat(relay.message("direct_message", "D2", "while the agent is down", Optional.empty()).status(), is(200));
        gw.recorder.next();
        WebElement dead = waitForRow("while the agent is down", "dead");
        assertThat(dead.getText(), containsString("the agent is down"));
        tab("dead");
        WebElement letter = wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.xpath("//tbody[@id='dead']/tr[td[text()='while the agent is down']]")));
        assertThat(letter.getText(), containsString("the agent is down"));
        letter.findElement(By.xpath(".//button[text()='JSON']")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("dead-json"), "\"raw\""));
        screenshot("dead-letters");

        gw.recorder.down = false;
        letter.findElement(By.cssSelector("button.replay")).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(
                By.xpath("//tbody[@id='dead']/tr[td[text()='while the agent is down']]")));
        assertThat(gw.recorder.next().text(), is("while the agent is down"));
        tab("events");
        waitForRow("while the agent is down", "handled");

        // Filters.
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("filter-state"))).selectByVisibleText("dead");
        assertThat(browser.findElements(By.cssSelector("#events tr")), is(empty()));
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("filter-state"))).selectByVisibleText("all");

        tab("health");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("health-now"), "Backlog 0 events"));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#chart-rate polyline")));
        screenshot("health");
    }

    private void tab(String view) {
        browser.findElement(By.cssSelector("#tabs button[data-view='" + view + "']")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("view-" + view)));
    }

    private WebElement waitForRow(String text, String state) {
        By row = By.xpath("//tbody[@id='events']/tr[@data-state='" + state + "'][td[contains(@class,'text')][text()="
                                  + xpathLiteral(text) + "]]");
        return wait.until(ExpectedConditions.visibilityOfElementLocated(row));
    }

    private static String xpathLiteral(String text) {
        return text.contains("'") ? "\"" + text + "\"" : "'" + text + "'";
    }

    private void screenshot(String name) throws Exception {
        File shot = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
