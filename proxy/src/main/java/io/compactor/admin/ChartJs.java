package io.compactor.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * Chart.js's UMD build from the {@code org.webjars.npm:chart.js} jar on the classpath, for pages that must
 * work without a network: the proxy's dashboard serves it, the load test's HTML report inlines it. The
 * version is read from the webjar's own pom.properties, so a dependency bump needs no code change.
 */
public final class ChartJs {
  private ChartJs() {}

  /** The webjar's version, e.g. {@code 4.4.1}. */
  public static String version() {
    try (InputStream in = ChartJs.class.getResourceAsStream("/META-INF/maven/org.webjars.npm/chart.js/pom.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version");
        if (v != null && !v.isBlank()) {
          return v.strip();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException("Chart.js is not on the classpath (the org.webjars.npm:chart.js dependency)");
  }

  /** The script's bytes (UTF-8) as the webjar holds them. */
  public static byte[] source() {
    String path = "/META-INF/resources/webjars/chart.js/" + version() + "/dist/chart.umd.js";
    try (InputStream in = ChartJs.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("Chart.js (" + path + ") is not on the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@link #source()} as text. */
  public static String sourceText() {
    return new String(source(), StandardCharsets.UTF_8);
  }
}
