package io.compactor.server;

import io.compactor.codec.ValueCodecs;
import io.compactor.compaction.Commands;
import io.compactor.compaction.Compactor;
import io.compactor.compaction.ReplyTransform;
import io.compactor.compaction.bucket.BucketRule;
import io.compactor.compaction.bucket.Placement;
import io.compactor.compaction.compress.CompressRule;
import io.compactor.resp.Command;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code COMPACTOR KEY <key>}: how one logical key is stored, as a few lines of text (a bulk string),
 * for people debugging with redis-cli: the rule that owns it, the physical key (and field) holding it,
 * the encoding and memory Redis reports for that physical key, the value's logical and stored sizes, its
 * codec and dictionary. One read-only script call gathers the physical facts atomically.
 */
final class KeyReport {
  private static final String SCRIPT = """
      if KEYS[2] ~= '' then
        local f = redis.call('HGET', KEYS[2], ARGV[1])
        if f then
          return {'field', KEYS[2], redis.call('OBJECT', 'ENCODING', KEYS[2]), tostring(redis.call('HLEN', KEYS[2])),
            tostring(redis.call('MEMORY', 'USAGE', KEYS[2], 'SAMPLES', '0')), tostring(redis.call('PTTL', KEYS[2])), f, tostring(#f)}
        end
        if redis.call('TYPE', KEYS[3]).ok == 'string' then
          return {'overflow', KEYS[3], redis.call('OBJECT', 'ENCODING', KEYS[3]), 'string',
            tostring(redis.call('MEMORY', 'USAGE', KEYS[3])), tostring(redis.call('PTTL', KEYS[3])),
            redis.call('GETRANGE', KEYS[3], 0, 31), tostring(redis.call('STRLEN', KEYS[3]))}
        end
      end
      local t = redis.call('TYPE', KEYS[1]).ok
      if t == 'none' then return {'none'} end
      local r = {'key', KEYS[1], redis.call('OBJECT', 'ENCODING', KEYS[1]), t,
        tostring(redis.call('MEMORY', 'USAGE', KEYS[1])), tostring(redis.call('PTTL', KEYS[1]))}
      if t == 'string' then
        r[#r + 1] = redis.call('GETRANGE', KEYS[1], 0, 31)
        r[#r + 1] = tostring(redis.call('STRLEN', KEYS[1]))
      end
      return r""";

  private KeyReport() {}

  /** The read-only script call that looks {@code key} up. */
  static Command lookup(Compactor compactor, byte[] key, ByteBufAllocator alloc) {
    BucketRule br = compactor == null ? null : compactor.buckets().ruleFor(key);
    byte[] empty = new byte[0];
    if (br == null) {
      return Command.of(alloc, new byte[][] {b("EVAL"), b(SCRIPT), b("3"), key, empty, empty, empty});
    }
    Placement p = br.place(key);
    return Command.of(alloc, new byte[][] {b("EVAL"), b(SCRIPT), b("3"), key, p.bucket(), p.overflow(), p.field()});
  }

  /** The field {@code p} names, quoted; a binary id's bytes (binary-ids) in hex. */
  private static String field(Placement p) {
    return p.fieldIsIdBytes() ? "0x" + java.util.HexFormat.of().formatHex(p.field()) + " (the id's bytes)"
        : "'" + Commands.printable(p.field()) + "'";
  }

  /** The overflow key's name, a binary field (binary-ids) in hex. */
  private static String overflowName(Placement p, String physical) {
    if (!p.fieldIsIdBytes()) {
      return physical;
    }
    byte[] name = p.overflow();
    return Commands.printable(java.util.Arrays.copyOf(name, name.length - p.field().length))
        + "0x" + java.util.HexFormat.of().formatHex(p.field());
  }

  /** Turns the script's reply into the report for {@code key}. */
  static ReplyTransform report(Compactor compactor, byte[] key) {
    return (frame, alloc) -> {
      List<byte[]> parts = strings(frame);
      if (parts == null) {
        return frame.retainedDuplicate(); // an error from Redis: as it is
      }
      byte[] text = describe(compactor, key, parts).getBytes(StandardCharsets.UTF_8);
      ByteBuf out = alloc.buffer(text.length + 16);
      out.writeCharSequence("$" + text.length + "\r\n", StandardCharsets.US_ASCII);
      out.writeBytes(text);
      out.writeCharSequence("\r\n", StandardCharsets.US_ASCII);
      return out;
    };
  }

  static String describe(Compactor compactor, byte[] key, List<byte[]> p) {
    StringBuilder b = new StringBuilder("key: ").append(Commands.printable(key)).append('\n');
    BucketRule br = compactor == null ? null : compactor.buckets().ruleFor(key);
    CompressRule cr = compactor == null || compactor.compression() == null ? null
        : compactor.compression().ruleFor(key);
    if (br != null) {
      b.append("rule: ").append(br.name()).append(" (bucket").append(br.codec() == null ? "" : ", codec "
          + br.config().compression().codec()).append(")\n");
    } else if (cr != null) {
      b.append("rule: ").append(cr.name()).append(" (compress, codec ").append(cr.config().compression().codec())
          .append(")\n");
    } else {
      b.append("rule: none (stored as the client wrote it)\n");
    }
    String where = s(p.get(0));
    if (where.equals("none")) {
      return b.append("stored: nowhere (no such key)\n").toString();
    }
    String physical = s(p.get(1));
    String ttl = Long.parseLong(s(p.get(5))) >= 0 ? s(p.get(5)) + " ms" : "none";
    switch (where) {
      case "field" -> b.append("stored: field ").append(field(br.place(key))).append(" of hash '")
          .append(physical).append("' (").append(s(p.get(2))).append(", ").append(s(p.get(3))).append(" fields, ")
          .append(s(p.get(4))).append(" bytes in Redis, hash expiry ").append(ttl).append(")\n");
      case "overflow" -> b.append("stored: overflow string key '").append(overflowName(br.place(key), physical)).append("' (")
          .append(s(p.get(2))).append(", ").append(s(p.get(4))).append(" bytes in Redis, expiry ").append(ttl)
          .append(")\n");
      default -> b.append("stored: ").append(s(p.get(3))).append(" key '").append(physical).append("' (")
          .append(s(p.get(2))).append(", ").append(s(p.get(4))).append(" bytes in Redis, expiry ").append(ttl)
          .append(")\n");
    }
    if (p.size() < 8) {
      return b.toString();
    }
    byte[] head = p.get(6);
    long stored = Long.parseLong(s(p.get(7)));
    long expiryAt = 0;
    if (where.equals("field") && head.length > 0 && (head[0] & 0xFF) >= 0xFD) {
      int m = head[0] & 0xFF;
      if (m == 0xFE || m == 0xFD) {
        expiryAt = 1735689600000L + be(head, 1, 5);
        if (m == 0xFD) {
          long z = be(head, 6, head.length - 6);
          long v = (z & 1) == 0 ? z >>> 1 : -((z + 1) >>> 1);
          return b.append("value: integer ").append(v).append(", ").append(head.length)
              .append(" bytes stored with its expiry at ").append(expiryAt).append(" (Unix ms)\n").toString();
        }
        head = java.util.Arrays.copyOfRange(head, 6, head.length);
        stored -= 6;
      } else if (head.length > 1 && head[1] == 1) {
        expiryAt = be(head, 2, 6);
        head = java.util.Arrays.copyOfRange(head, 8, head.length);
        stored -= 8;
      } else {
        head = java.util.Arrays.copyOfRange(head, 2, head.length);
        stored -= 2;
      }
    }
    ValueCodecs.EnvelopeInfo e = ValueCodecs.inspect(head);
    if (e == null) {
      b.append("value: ").append(stored).append(" bytes, stored as written (no codec)");
    } else {
      b.append("value: ").append(e.decodedLength()).append(" bytes logical, ").append(stored)
          .append(" bytes stored, codec ").append(e.codec());
      if (e.dictId() != 0) {
        b.append(" (dictionary ").append(e.dictId()).append(')');
      }
      if (e.decodedLength() > 0) {
        b.append(String.format(java.util.Locale.ROOT, ", ratio %.2f", stored / (double) e.decodedLength()));
      }
    }
    if (expiryAt != 0) {
      b.append(", expires at ").append(expiryAt).append(" (Unix ms, kept in the field)");
    }
    return b.append('\n').toString();
  }

  private static long be(byte[] a, int from, int n) {
    long v = 0;
    for (int i = 0; i < n && from + i < a.length; i++) {
      v = (v << 8) | (a[from + i] & 0xFF);
    }
    return v;
  }

  /** The elements of an array of bulk strings; null for anything else. */
  static List<byte[]> strings(ByteBuf f) {
    int r = f.readerIndex();
    if (f.readableBytes() < 4 || f.getByte(r) != '*') {
      return null;
    }
    int eol = f.indexOf(r, f.writerIndex(), (byte) '\r');
    int n = Integer.parseInt(f.toString(r + 1, eol - r - 1, StandardCharsets.US_ASCII));
    List<byte[]> out = new ArrayList<>(n);
    int at = eol + 2;
    for (int i = 0; i < n; i++) {
      if (f.getByte(at) != '$') {
        return null;
      }
      int e = f.indexOf(at, f.writerIndex(), (byte) '\r');
      int len = Integer.parseInt(f.toString(at + 1, e - at - 1, StandardCharsets.US_ASCII));
      byte[] v = new byte[len];
      f.getBytes(e + 2, v);
      out.add(v);
      at = e + 2 + len + 2;
    }
    return out;
  }

  private static String s(byte[] v) {
    return new String(v, StandardCharsets.UTF_8);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
