package io.compactor.codec;

import static io.compactor.codec.Fixtures.hex;
import static io.compactor.codec.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fsst symbol table: round trips, training, the serialized form and its checks. */
class SymbolTableTest {
  private static byte[] roundTrip(SymbolTable t, byte[] v) throws CodecException {
    byte[] codes = new byte[2 * v.length];
    int n = t.encode(v, 0, v.length, codes, 0);
    byte[] out = new byte[v.length];
    int m = t.decode(codes, 0, n, out, 0, v.length);
    assertThat(m).isEqualTo(v.length);
    return out;
  }

  @Test
  void roundTrip_anyBytes_withTrainedAndEmptyTables() throws CodecException {
    Random r = new Random(1);
    List<SymbolTable> tables = new ArrayList<>();
    tables.add(SymbolTable.of(List.of()));
    tables.add(SymbolTable.train(Fixtures.namesAndEmails(1, 2000)));
    List<byte[]> randomSamples = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      byte[] b = new byte[r.nextInt(40)];
      r.nextBytes(b);
      randomSamples.add(b);
    }
    tables.add(SymbolTable.train(randomSamples));
    byte[] every = new byte[256];
    for (int i = 0; i < 256; i++) {
      every[i] = (byte) i;
    }
    for (SymbolTable t : tables) {
      assertThat(roundTrip(t, new byte[0])).isEmpty();
      assertThat(roundTrip(t, every)).isEqualTo(every);
      for (byte[] v : Fixtures.namesAndEmails(2, 300)) {
        assertThat(roundTrip(t, v)).isEqualTo(v);
      }
      for (int i = 0; i < 2000; i++) {
        byte[] v = new byte[r.nextInt(i < 1900 ? 64 : 5000)];
        r.nextBytes(v);
        if (r.nextBoolean()) { // stretches of bytes the table has symbols for
          byte[] name = Fixtures.namesAndEmails(i, 1).get(0);
          System.arraycopy(name, 0, v, r.nextInt(Math.max(1, v.length - name.length)), Math.min(name.length, v.length));
        }
        assertThat(roundTrip(t, v)).isEqualTo(v);
      }
    }
  }

  @Test
  void train_namesAndEmails_aboutHalfTheirLength_deterministic() {
    List<byte[]> training = Fixtures.namesAndEmails(3, 3000);
    SymbolTable t = SymbolTable.train(training);
    assertThat(t.size()).isEqualTo(SymbolTable.MAX_SYMBOLS);
    assertThat(SymbolTable.train(training).serialize()).isEqualTo(t.serialize());
    long logical = 0;
    long coded = 0;
    byte[] buf = new byte[256];
    for (byte[] v : Fixtures.namesAndEmails(4, 3000)) {
      logical += v.length;
      coded += t.encode(v, 0, v.length, buf, 0);
    }
    assertThat((double) coded / logical).isLessThan(0.5);
  }

  @Test
  void serializedForm_golden_andParsedBack() throws CodecException {
    SymbolTable t = SymbolTable.of(List.of(utf8("ab"), utf8("x"), utf8("@example")));
    assertThat(hex(t.serialize())).isEqualTo("465354" + "01" + "03" + "020108" + "6162" + "78" + "406578616d706c65");
    SymbolTable back = SymbolTable.parse(t.serialize());
    assertThat(back.serialize()).isEqualTo(t.serialize());
    byte[] codes = new byte[32];
    byte[] v = utf8("xab@example!");
    int n = back.encode(v, 0, v.length, codes, 0);
    // longest match first; '!' is not in the table: escape, then the byte
    assertThat(hex(Arrays.copyOf(codes, n))).isEqualTo("01" + "00" + "02" + "ff21");
  }

  @Test
  void parse_refusesMalformedTables() {
    assertThatThrownBy(() -> SymbolTable.parse(hex("46535401"))).hasMessageContaining("truncated");
    assertThatThrownBy(() -> SymbolTable.parse(hex("46535402" + "00"))).hasMessageContaining("unknown version 2");
    assertThatThrownBy(() -> SymbolTable.parse(hex("00000000" + "00"))).hasMessageContaining("does not start with 'FST'");
    assertThatThrownBy(() -> SymbolTable.parse(hex("46535401" + "01" + "00"))).hasMessageContaining("length 0");
    assertThatThrownBy(() -> SymbolTable.parse(hex("46535401" + "01" + "09" + "00".repeat(9))))
        .hasMessageContaining("length 9");
    assertThatThrownBy(() -> SymbolTable.parse(hex("46535401" + "01" + "02" + "61"))).hasMessageContaining("truncated");
    assertThatThrownBy(() -> SymbolTable.parse(hex("46535401" + "01" + "01" + "6162"))).hasMessageContaining("1 bytes after");
    assertThatThrownBy(() -> SymbolTable.parse(hex("46535401" + "02" + "0101" + "6161"))).hasMessageContaining("duplicate");
    assertThatThrownBy(() -> SymbolTable.of(List.of(new byte[0]))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void decode_refusesCodesOutsideTheTable_trailingEscape_andOverflow() {
    SymbolTable t = SymbolTable.of(List.of(utf8("abc")));
    byte[] out = new byte[8];
    assertThatThrownBy(() -> t.decode(hex("01"), 0, 1, out, 0, 8)).hasMessage("symbol code 1 is not in the table (1 symbols)");
    assertThatThrownBy(() -> t.decode(hex("00ff"), 0, 2, out, 0, 8)).hasMessage("symbol codes end with an escape");
    assertThatThrownBy(() -> t.decode(hex("000000"), 0, 3, out, 0, 8)).hasMessage("symbol codes decode to more than 8 bytes");
    assertThatThrownBy(() -> t.decode(hex("ff61ff61"), 0, 4, out, 0, 1)).hasMessage("symbol codes decode to more than 1 bytes");
  }
}
