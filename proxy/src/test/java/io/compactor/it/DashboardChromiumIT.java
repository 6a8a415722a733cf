package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin dashboard in headless Chromium against a real proxy and Redis: after writing keys under a bucket
 * rule and a compression rule and running a keyspace survey, the page renders (its own flag in the DOM),
 * shows the saving {@code /api/stats} reports, loads Chart.js from the proxy, and draws a screenshot that is
 * more than a blank page. Needs Debian's {@code chromium} (installed by {@code .ci/install-servers
 * --for-tests}); without it this test fails rather than skips. The screenshot is kept in
 * {@code proxy/target/dashboard-screenshot.png}, next to the {@code /api/stats} and {@code /metrics} it showed
 * ({@code dashboard-stats.json}, {@code dashboard-metrics.txt}).
 */
class DashboardChromiumIT {
  private static final int WIDTH = 1400;
  private static final int HEIGHT = 1100;
  private static final long CHROMIUM_TIMEOUT_SECONDS = 60;
  private static final int MEDIA_KEYS = 20_000;
  private static final int PAGE_KEYS = 500;
  private static final int PAGE_BYTES = 4096;
  private static final int BATCH = 1000;

  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis()
      .with("admin.listen", "127.0.0.1:0")
      .with("rules", "[{name: media, pattern: 'media:*', strategy: bucket},"
          + " {name: pages, pattern: 'page:*', strategy: compress, codec: zstd}]");

  private static String chromium;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path tmp;

  @BeforeAll
  static void findChromium() {
    chromium = locateChromium();
  }

  @Test
  void dashboard_rendersTheSurveyedSaving() throws Exception {
    writeData();

    HttpResponse<String> survey = http("POST", "/survey", Duration.ofSeconds(120));
    assertThat(survey.statusCode()).as("POST /survey: %s", survey.body()).isEqualTo(200);
    String stats = http("GET", "/api/stats", Duration.ofSeconds(10)).body();
    assertThat(number(stats, "/survey/time")).as("survey.time after POST /survey in %s", stats).isPositive();
    assertThat(number(stats, "/totals/savedBytes")).as("totals.savedBytes in %s", stats).isPositive();

    String url = "http://127.0.0.1:" + ENV.proxy().adminAddress().getPort() + "/dashboard";
    String dom = runChromium("dump-dom", List.of("--dump-dom", url));
    Matcher body = Pattern.compile("<body[^>]*>").matcher(dom);
    assertThat(body.find()).as("a <body> in the dumped DOM:%n%s", head(dom)).isTrue();
    assertThat(body.group()).as("the page's <body> flags (data-error is the page's own error banner)")
        .doesNotContain("data-error")
        .contains("data-rendered=\"1\"")
        .contains("data-charts=\"4\"");
    Matcher saved = Pattern.compile("<span id=\"saved-bytes\" data-value=\"(-?[0-9]+)\"").matcher(dom);
    assertThat(saved.find()).as("#saved-bytes with a numeric data-value in the DOM:%n%s", head(dom)).isTrue();
    long shown = Long.parseLong(saved.group(1));
    assertThat(shown).as("the saving the page shows").isPositive();
    assertThat(dom).contains(">media<", ">pages<", ">bucket<", ">compress<", ">zstd<");
    Matcher tile = Pattern.compile("id=\"t-saved\"[^>]*>([^<]*)<").matcher(dom);
    assertThat(tile.find()).as("the memory-saved tile in the DOM").isTrue();
    assertThat(tile.group(1)).as("the memory-saved tile").matches("[0-9.]+ [KMGT]?B");

    String freshStats = http("GET", "/api/stats", Duration.ofSeconds(10)).body();
    // kept next to the screenshot, for a human comparing the page with the figures behind it
    Files.writeString(targetDir().resolve("dashboard-stats.json"), freshStats);
    String metrics = http("GET", "/metrics", Duration.ofSeconds(10)).body();
    Files.writeString(targetDir().resolve("dashboard-metrics.txt"), metrics);
    double fresh = number(freshStats, "/totals/savedBytes");
    assertThat((double) shown).as("the page's saving against a fresh GET /api/stats (%s)", fresh)
        .isCloseTo(fresh, org.assertj.core.data.Percentage.withPercentage(1));

    Path png = tmp.resolve("dashboard.png");
    runChromium("screenshot", List.of("--screenshot=" + png, url));
    assertThat(png).exists();
    Path kept = targetDir().resolve("dashboard-screenshot.png");
    Files.copy(png, kept, StandardCopyOption.REPLACE_EXISTING);
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).as("a PNG ImageIO can read (%s)", kept).isNotNull();
    assertThat(image.getWidth()).as("screenshot width").isGreaterThanOrEqualTo(WIDTH);
    assertThat(image.getHeight()).as("screenshot height").isGreaterThanOrEqualTo(HEIGHT);
    assertThat(distinctColours(image)).as("distinct colours in %s (a blank page has 1)", kept).isGreaterThan(100);
  }

  /** Small {@code media:<id>} values and compressible 4 KB {@code page:<n>} values, pipelined through the proxy. */
  private static void writeData() throws IOException {
    Random random = new Random(42);
    try (RespClient c = ENV.proxyClient()) {
      for (int start = 0; start < MEDIA_KEYS; start += BATCH) {
        int n = Math.min(BATCH, MEDIA_KEYS - start);
        List<byte[]> commands = new ArrayList<>(n);
        for (int i = start; i < start + n; i++) {
          String value = Integer.toString(1_000_000 + random.nextInt(9_000_000));
          commands.add(RespClient.encode("SET", "media:" + (1_155_315 + i), value));
        }
        pipeline(c, commands);
      }
      String[] words = {"redis", "proxy", "compaction", "bucket", "listpack", "memory", "latency", "keyspace",
          "dictionary", "value", "session", "page", "render", "cache", "layout", "header", "footer", "article"};
      int firstPageLength = 0;
      for (int start = 0; start < PAGE_KEYS; start += 100) {
        List<byte[]> commands = new ArrayList<>(100);
        for (int i = start; i < start + 100; i++) {
          StringBuilder page = new StringBuilder("<html><body><h1>page ").append(i).append("</h1>");
          while (page.length() < PAGE_BYTES - 20) {
            page.append("<p class=\"").append(words[random.nextInt(6)]).append("\">")
                .append(words[random.nextInt(words.length)]).append(' ')
                .append(words[random.nextInt(words.length)]).append(' ').append(random.nextInt(1000)).append("</p>");
          }
          page.append("</body></html>");
          if (i == 0) {
            firstPageLength = page.length();
          }
          commands.add(RespClient.encode("SET", "page:" + i, page.toString()));
        }
        pipeline(c, commands);
      }
      assertThat(c.callString("GET", "media:1155315")).as("a bucketed key reads back").startsWith("$7\r\n");
      assertThat(c.callString("STRLEN", "page:0")).as("a compressed page reads back its length")
          .isEqualTo(":" + firstPageLength + "\r\n");
    }
  }

  private static void pipeline(RespClient c, List<byte[]> commands) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] command : commands) {
      out.write(command);
    }
    c.write(out.toByteArray());
    for (byte[] reply : c.readReplies(commands.size())) {
      assertThat(new String(reply, StandardCharsets.UTF_8)).isEqualTo("+OK\r\n");
    }
  }

  private static HttpResponse<String> http(String method, String path, Duration timeout) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + ENV.proxy().adminAddress().getPort() + path);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout);
    request = "POST".equals(method) ? request.POST(HttpRequest.BodyPublishers.noBody()) : request.GET();
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The number at a JSON pointer ({@code /totals/savedBytes}) in {@code json}; fails when there is none. */
  private static double number(String json, String pointer) throws IOException {
    try (JsonParser p = new JsonFactory().createParser(json)) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t.isNumeric() && pointer.equals(p.getParsingContext().pathAsPointer().toString())) {
          return p.getValueAsDouble();
        }
      }
    }
    return fail("no number at %s in %s", pointer, json);
  }

  private static int distinctColours(BufferedImage image) {
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        colours.add(image.getRGB(x, y) & 0xffffff);
      }
    }
    return colours.size();
  }

  /** Runs Chromium headless in a fresh profile; returns its standard output. */
  private String runChromium(String name, List<String> extra) throws IOException, InterruptedException {
    Path profile = Files.createDirectories(tmp.resolve("profile-" + name));
    Path out = tmp.resolve(name + ".stdout");
    Path err = tmp.resolve(name + ".stderr");
    List<String> command = new ArrayList<>(List.of(chromium,
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--window-size=" + WIDTH + "," + HEIGHT, "--virtual-time-budget=5000"));
    command.addAll(extra);
    Process p = new ProcessBuilder(command)
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
    try {
      if (!p.waitFor(CHROMIUM_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        fail("chromium (%s) did not finish within %d s; stderr:%n%s", name, CHROMIUM_TIMEOUT_SECONDS, tail(err));
      }
    } finally {
      // the Debian launcher is a shell script; nothing it started may outlive the run
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(p.exitValue()).as("chromium (%s) exit status; stderr:%n%s", name, tail(err)).isZero();
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  private static String locateChromium() {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        Path candidate = dir.isEmpty() ? null : Path.of(dir, "chromium");
        if (candidate != null && Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate.toString();
        }
      }
    }
    Path debian = Path.of("/usr/bin/chromium");
    if (Files.isExecutable(debian)) {
      return debian.toString();
    }
    return fail("Chromium not found (no `chromium` on PATH, no /usr/bin/chromium). This integration test needs "
        + "headless Chromium to render the admin dashboard: run .ci/install-servers --for-tests (it installs "
        + "Debian's chromium package)");
  }

  /** {@code proxy/target}: failsafe runs in the module's directory and sets {@code basedir}. */
  private static Path targetDir() throws IOException {
    return Files.createDirectories(Path.of(System.getProperty("basedir", "."), "target"));
  }

  private static String tail(Path file) throws IOException {
    if (!Files.exists(file)) {
      return "(none)";
    }
    String s = Files.readString(file, StandardCharsets.UTF_8);
    return s.length() <= 4000 ? s : "..." + s.substring(s.length() - 4000);
  }

  private static String head(String s) {
    return s.length() <= 3000 ? s : s.substring(0, 3000) + "...";
  }
}
