package io.compactor.loadtest.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the HTML report in headless Chromium, offline, and checks the charts are really drawn: the page's
 * own flag in the DOM, and the bar colours in a screenshot, chart by chart. Needs Debian's {@code chromium}
 * (installed by {@code .ci/install-servers}); without it this test fails rather than skips.
 */
class HtmlReportChromiumIT {
  private static final int WIDTH = 1400;
  private static final int HEIGHT = 2400;
  private static final long TIMEOUT_SECONDS = 60;
  private static final int[] DIRECT_RGB = {54, 162, 235};
  private static final int[] PROXY_RGB = {255, 99, 132};
  /** Per channel; bars are filled with the exact colour, only their anti-aliased edges differ. */
  private static final int COLOUR_TOLERANCE = 4;
  /**
   * Pixels of each colour a chart must show: well above its legend swatch (40 x 12 px), so only drawn
   * bars can reach it.
   */
  private static final int MIN_PIXELS_PER_CHART = 3_000;
  private static final int MIN_PIXELS_TOTAL = 10_000;

  private static String chromium;

  @TempDir Path tmp;

  @BeforeAll
  static void findChromium() {
    chromium = locateChromium();
  }

  @Test
  void chartsAreDrawn_inTheDomAndOnScreen() throws Exception {
    RunReport report = SampleReports.twoDatasetsOneWorkload();
    Path html = tmp.resolve("report.html");
    HtmlReport.write(report, html);
    Files.copy(html, targetDir().resolve("report-sample.html"), StandardCopyOption.REPLACE_EXISTING);
    assertRendered(report, html, "sample", List.of(">713.5</td>", ">305.7</td>", ">0.43</td>",
        ">100,000/100,000 ok</td>", ">48,213</td>", ">41.3/184/1,205</td>", ">187,654</td>", ">152,346</td>"));
  }

  @Test
  void realRun_reportRendersItsMeasuredFigures() throws Exception {
    Path json = tmp.resolve("real.json");
    int exit = new picocli.CommandLine(new io.compactor.loadtest.LoadTestMain()).execute("--quick", "--keys", "2000",
        "--datasets", "small,sessions", "--workload-ops", "4000", "--no-progress", "--json", json.toString());
    assertThat(exit).as("the load driver's exit status").isZero();
    RunReport report = JsonReport.read(json);
    Path html = tmp.resolve("real.html");
    assertThat(html).exists();
    Files.copy(html, targetDir().resolve("report-real-run.html"), StandardCopyOption.REPLACE_EXISTING);
    List<String> figures = new ArrayList<>();
    for (DatasetResult d : report.datasets()) {
      figures.add(">" + Fmt.bytesPerKey(d.direct().bytesPerKey()) + "</td>");
      figures.add(">" + Fmt.bytesPerKey(d.proxy().bytesPerKey()) + "</td>");
      figures.add(">" + Fmt.rate(d.direct().keysPerSecond()) + "</td>");
      figures.add(">" + Fmt.rate(d.proxy().keysPerSecond()) + "</td>");
    }
    assertRendered(report, html, "real-run", figures);
  }

  /**
   * Renders {@code html} in headless Chromium: (a) the DOM after the scripts ran has every chart drawn,
   * no error, and the given figures; (b) a screenshot shows bars in both colours inside every chart.
   */
  private void assertRendered(RunReport report, Path html, String name, List<String> figures) throws Exception {
    int charts = HtmlReport.chartCount(report);
    assertThat(charts).isEqualTo(report.workloads().isEmpty() ? 3 : 4);

    String dom = runChromium("dump-dom-" + name, List.of("--dump-dom", html.toUri().toString()));
    Matcher body = Pattern.compile("<body[^>]*>").matcher(dom);
    assertThat(body.find()).as("a <body> in the dumped DOM:\n%s", head(dom)).isTrue();
    assertThat(body.group()).doesNotContain("data-charts-error")
        .contains("data-charts-rendered=\"" + charts + "\"");
    assertThat(dom).contains(figures);
    Map<String, int[]> rects = canvasRects(dom);
    assertThat(rects).hasSize(charts);
    double dpr = devicePixelRatio(body.group());

    Path png = tmp.resolve(name + ".png");
    runChromium("screenshot-" + name, List.of("--screenshot=" + png, html.toUri().toString()));
    assertThat(png).exists();
    Files.copy(png, targetDir().resolve("report-" + name + "-screenshot.png"), StandardCopyOption.REPLACE_EXISTING);
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).as("a PNG ImageIO can read").isNotNull();
    assertThat(image.getWidth()).isEqualTo((int) Math.round(WIDTH * dpr));
    assertThat(image.getHeight()).isEqualTo((int) Math.round(HEIGHT * dpr));

    long directTotal = count(image, DIRECT_RGB, 0, 0, image.getWidth(), image.getHeight());
    long proxyTotal = count(image, PROXY_RGB, 0, 0, image.getWidth(), image.getHeight());
    assertThat(directTotal).as("direct-coloured pixels in the screenshot").isGreaterThanOrEqualTo(MIN_PIXELS_TOTAL);
    assertThat(proxyTotal).as("proxy-coloured pixels in the screenshot").isGreaterThanOrEqualTo(MIN_PIXELS_TOTAL);

    long inCharts = 0;
    for (Map.Entry<String, int[]> e : rects.entrySet()) {
      int[] r = e.getValue();
      int x = (int) Math.round(r[0] * dpr);
      int y = (int) Math.round(r[1] * dpr);
      int w = (int) Math.round(r[2] * dpr);
      int h = (int) Math.round(r[3] * dpr);
      assertThat(x + w).as("%s fits in the screenshot", e.getKey()).isLessThanOrEqualTo(image.getWidth());
      assertThat(y + h).as("%s fits in the screenshot", e.getKey()).isLessThanOrEqualTo(image.getHeight());
      long direct = count(image, DIRECT_RGB, x, y, w, h);
      long proxy = count(image, PROXY_RGB, x, y, w, h);
      assertThat(direct).as("direct bars drawn in %s", e.getKey()).isGreaterThanOrEqualTo(MIN_PIXELS_PER_CHART);
      assertThat(proxy).as("proxy bars drawn in %s", e.getKey()).isGreaterThanOrEqualTo(MIN_PIXELS_PER_CHART);
      inCharts += direct + proxy;
    }
    assertThat(inCharts).as("the colours are the charts' (none elsewhere on the page)")
        .isEqualTo(directTotal + proxyTotal);
  }

  /** Runs Chromium headless, offline-minded, in a fresh profile; returns its standard output. */
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
    boolean exited = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (!exited) {
      kill(p);
      fail("chromium (%s) did not finish within %d s; stderr:%n%s", name, TIMEOUT_SECONDS, tail(err));
    }
    // The Debian launcher is a shell script; make sure nothing it started outlives the run.
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    assertThat(p.exitValue()).as("chromium (%s) exit status; stderr:%n%s", name, tail(err)).isZero();
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  private static void kill(Process p) throws InterruptedException {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    p.waitFor(10, TimeUnit.SECONDS);
  }

  private static String locateChromium() {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        if (!dir.isEmpty()) {
          Path candidate = Path.of(dir, "chromium");
          if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
            return candidate.toString();
          }
        }
      }
    }
    Path debian = Path.of("/usr/bin/chromium");
    if (Files.isExecutable(debian)) {
      return debian.toString();
    }
    return fail("Chromium not found (no `chromium` on PATH, no /usr/bin/chromium). This integration test needs "
        + "headless Chromium to check the HTML report's charts: run .ci/install-servers (it installs Debian's "
        + "chromium package), or: sudo apt-get install -y chromium");
  }

  /** Each chart canvas's {@code data-rect} (x, y, width, height in CSS pixels), set by the page. */
  private static Map<String, int[]> canvasRects(String dom) {
    Map<String, int[]> rects = new LinkedHashMap<>();
    Matcher canvas = Pattern.compile("<canvas[^>]*>").matcher(dom);
    while (canvas.find()) {
      String tag = canvas.group();
      Matcher id = Pattern.compile("\\sid=\"([^\"]+)\"").matcher(tag);
      Matcher rect = Pattern.compile("\\sdata-rect=\"(\\d+),(\\d+),(\\d+),(\\d+)\"").matcher(tag);
      assertThat(id.find()).as("id on %s", tag).isTrue();
      assertThat(rect.find()).as("data-rect on %s", tag).isTrue();
      int[] r = new int[4];
      for (int i = 0; i < 4; i++) {
        r[i] = Integer.parseInt(rect.group(i + 1));
      }
      assertThat(r[2]).as("width of %s", id.group(1)).isGreaterThan(200);
      assertThat(r[3]).as("height of %s", id.group(1)).isGreaterThan(200);
      rects.put(id.group(1), r);
    }
    return rects;
  }

  private static double devicePixelRatio(String bodyTag) {
    Matcher m = Pattern.compile("data-device-pixel-ratio=\"([0-9.]+)\"").matcher(bodyTag);
    return m.find() ? Double.parseDouble(m.group(1)) : 1.0;
  }

  private static long count(BufferedImage image, int[] rgb, int x0, int y0, int w, int h) {
    long n = 0;
    for (int y = y0; y < y0 + h; y++) {
      for (int x = x0; x < x0 + w; x++) {
        int p = image.getRGB(x, y);
        if (Math.abs(((p >> 16) & 0xff) - rgb[0]) <= COLOUR_TOLERANCE
            && Math.abs(((p >> 8) & 0xff) - rgb[1]) <= COLOUR_TOLERANCE
            && Math.abs((p & 0xff) - rgb[2]) <= COLOUR_TOLERANCE) {
          n++;
        }
      }
    }
    return n;
  }

  /** {@code loadtest/target}: failsafe runs in the module's directory and sets {@code basedir}. */
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
    return s.length() <= 2000 ? s : s.substring(0, 2000) + "...";
  }
}
