package io.compactor.loadtest.dataset;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Collections;
import java.util.Iterator;
import java.util.Locale;
import java.util.NoSuchElementException;

/**
 * Entries read from a JSON-lines file, one object per line, for example captured from a real Redis (see
 * {@code loadtest/REPLAY.md}):
 *
 * <pre>
 * {"key":"user:1000:name","value":"Ada Lovelace","ttl":3600}
 * {"key":"thumb:77","value_b64":"iVBORw0KGgo="}
 * </pre>
 *
 * <p>{@code key} (or {@code key_b64}) and exactly one of {@code value} (a string, stored as UTF-8) or
 * {@code value_b64} (standard base64, for binary values) are required; {@code ttl} in seconds is optional
 * (absent, null, 0 or -1: no expiry). Other fields are ignored and blank lines are skipped. The file is
 * streamed: {@link #entries} reads one line per entry, gives at most {@code count} entries in file order
 * (the seed is ignored) and closes the file at its end, at {@code count}, or on a bad line, which fails with
 * an {@link IllegalArgumentException} naming {@code file:line}.
 */
public final class Replay implements Dataset {
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  private final Path file;

  /**
   * @param file a JSON-lines file
   * @throws IllegalArgumentException if it is not a readable regular file
   */
  public Replay(Path file) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IllegalArgumentException("replay file not found or not readable: " + file);
    }
    this.file = file;
  }

  /** The file the entries come from. */
  public Path file() {
    return file;
  }

  @Override
  public String name() {
    return "replay:" + file.getFileName();
  }

  @Override
  public String description() {
    return "entries replayed from " + file + " (JSON lines: key, value or value_b64, optional ttl)";
  }

  /**
   * Opens the file and returns its first {@code count} entries, lazily. The iterator is also
   * {@link AutoCloseable}, for a caller that stops early.
   *
   * @throws UncheckedIOException if the file cannot be opened or read
   * @throws IllegalArgumentException from {@code hasNext}/{@code next} for a line that is not a valid entry
   */
  @Override
  public Iterator<Entry> entries(long seed, int count) {
    Gen.checkCount(count);
    if (count == 0) {
      return Collections.emptyIterator();
    }
    try {
      return new Lines(file, Files.newBufferedReader(file, StandardCharsets.UTF_8), count);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open replay file " + file, e);
    }
  }

  /** Parses one line; {@code where} is {@code file:line} for messages. */
  static Entry parse(String line, String where) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw bad(where, "a JSON object, got invalid JSON (" + e.getOriginalMessage() + ")");
    }
    if (node == null || !node.isObject()) {
      throw bad(where, "a JSON object, got " + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase(Locale.ROOT)));
    }
    byte[] key = bytes(node, "key", "key_b64", where);
    byte[] value = bytes(node, "value", "value_b64", where);
    long ttl = 0;
    JsonNode t = node.get("ttl");
    if (t != null && !t.isNull()) {
      if (!t.isIntegralNumber() || !t.canConvertToLong() || t.asLong() < -1) {
        throw bad(where, "\"ttl\" to be an integer number of seconds (-1 or 0 for none), got " + t);
      }
      ttl = Math.max(0, t.asLong());
    }
    return new Entry(key, value, ttl, 0);
  }

  private static byte[] bytes(JsonNode node, String text, String base64, String where) {
    JsonNode plain = node.get(text);
    JsonNode encoded = node.get(base64);
    if ((plain == null) == (encoded == null)) {
      throw bad(where, "exactly one of \"" + text + "\" (string) or \"" + base64 + "\" (base64 string)"
          + (plain == null ? ", got neither" : ", got both"));
    }
    if (plain != null) {
      if (!plain.isTextual()) {
        throw bad(where, "\"" + text + "\" to be a string, got " + plain);
      }
      return plain.textValue().getBytes(StandardCharsets.UTF_8);
    }
    if (!encoded.isTextual()) {
      throw bad(where, "\"" + base64 + "\" to be a base64 string, got " + encoded);
    }
    try {
      return Base64.getDecoder().decode(encoded.textValue());
    } catch (IllegalArgumentException e) {
      throw bad(where, "\"" + base64 + "\" to be standard base64 (" + e.getMessage() + ")");
    }
  }

  private static IllegalArgumentException bad(String where, String expected) {
    return new IllegalArgumentException("replay " + where + ": expected " + expected);
  }

  /** Reads ahead one entry; closes the reader when done. */
  private static final class Lines implements Iterator<Entry>, AutoCloseable {
    private final Path file;
    private final BufferedReader reader;
    private final int count;
    private int given;
    private long lineNumber;
    private Entry next;
    private boolean closed;

    Lines(Path file, BufferedReader reader, int count) {
      this.file = file;
      this.reader = reader;
      this.count = count;
    }

    @Override
    public boolean hasNext() {
      if (next != null) {
        return true;
      }
      if (closed) {
        return false;
      }
      if (given >= count) {
        close();
        return false;
      }
      try {
        String line;
        do {
          line = reader.readLine();
          if (line == null) {
            close();
            return false;
          }
          lineNumber++;
        } while (line.isBlank());
        next = parse(line, file + ":" + lineNumber);
        return true;
      } catch (IOException e) {
        close();
        throw new UncheckedIOException("cannot read replay file " + file + " at line " + (lineNumber + 1), e);
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }

    @Override
    public Entry next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Entry entry = next;
      next = null;
      given++;
      if (given >= count) {
        close();
      }
      return entry;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        try {
          reader.close();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot close replay file " + file, e);
        }
      }
    }
  }
}
