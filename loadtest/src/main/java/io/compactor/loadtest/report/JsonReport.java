package io.compactor.loadtest.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The run report as JSON, for CI and for comparing runs: the records' fields as they are (raw bytes,
 * keys/s and microseconds, not the rounded figures of the tables), pretty-printed, nulls kept.
 */
public final class JsonReport {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // older readers accept newer reports
      .build();

  private static final ObjectWriter PRETTY = MAPPER.writer(new DefaultPrettyPrinter(
          Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
      .withObjectIndenter(new DefaultIndenter("  ", "\n"))
      .withArrayIndenter(new DefaultIndenter("  ", "\n")));

  private JsonReport() {}

  /** Pretty JSON (two-space indent, {@code \n} line ends, no trailing newline). */
  public static String toJson(RunReport r) {
    try {
      return PRETTY.writeValueAsString(r);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot write the run report as JSON", e);
    }
  }

  /** The same JSON on one line, for embedding in the HTML page. */
  static String toCompactJson(RunReport r) {
    try {
      return MAPPER.writeValueAsString(r);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot write the run report as JSON", e);
    }
  }

  /** Writes {@link #toJson} plus a final newline as UTF-8, creating missing parent directories. */
  public static void write(RunReport r, Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, toJson(r) + "\n", StandardCharsets.UTF_8);
  }

  /** Reads a report written by {@link #write} (fields it does not know are ignored). */
  public static RunReport read(Path file) throws IOException {
    return MAPPER.readValue(file.toFile(), RunReport.class);
  }

  /** Parses a report from JSON text. */
  static RunReport fromJson(String json) {
    try {
      return MAPPER.readValue(json, RunReport.class);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("not a run report: " + e.getOriginalMessage(), e);
    }
  }
}
