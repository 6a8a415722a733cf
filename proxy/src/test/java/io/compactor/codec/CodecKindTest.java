package io.compactor.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CodecKindTest {
  @Test
  void parse_configNames() {
    for (CodecKind k : CodecKind.values()) {
      assertThat(CodecKind.parse(k.configName())).isSameAs(k);
    }
    assertThat(CodecKind.parse(" Zstd-Dict ")).isSameAs(CodecKind.ZSTD_DICT);
    assertThat(CodecKind.parse("msgpack+zstd-dict")).isSameAs(CodecKind.MSGPACK_ZSTD_DICT);
  }

  @Test
  void parse_unknown_namesTheExpectedValues() {
    assertThatThrownBy(() -> CodecKind.parse("gzip")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("codec: 'gzip' (expected: one of lz4, zstd, zstd-dict, msgpack, msgpack+zstd-dict, fsst, json, auto)");
    assertThatThrownBy(() -> CodecKind.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void usesDictionary() {
    assertThat(CodecKind.ZSTD_DICT.usesDictionary()).isTrue();
    assertThat(CodecKind.MSGPACK_ZSTD_DICT.usesDictionary()).isTrue();
    assertThat(CodecKind.FSST.usesDictionary()).as("its symbol table, stored like a dictionary").isTrue();
    assertThat(CodecKind.JSON.usesDictionary()).as("its model, stored like a dictionary").isTrue();
    assertThat(CodecKind.ZSTD.usesDictionary()).isFalse();
    assertThat(CodecKind.MSGPACK.usesDictionary()).isFalse();
    assertThat(CodecKind.AUTO.usesDictionary()).isFalse();
  }
}
