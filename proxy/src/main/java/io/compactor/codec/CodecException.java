package io.compactor.codec;

/**
 * A stored value that starts like an envelope but cannot be decoded, or a codec operation that
 * cannot be done (too few samples to train a dictionary). The message is one line saying what was
 * wrong.
 */
public final class CodecException extends Exception {
  public CodecException(String message) {
    super(oneLine(message));
  }

  public CodecException(String message, Throwable cause) {
    super(oneLine(message), cause);
  }

  private static String oneLine(String message) {
    return message == null ? "codec error" : message.replace('\r', ' ').replace('\n', ' ');
  }
}
