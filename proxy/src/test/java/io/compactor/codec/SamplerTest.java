package io.compactor.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
  private static byte[] value(int i, int size) {
    byte[] b = new byte[size];
    b[0] = (byte) i;
    b[size - 1] = (byte) (i >>> 8);
    return b;
  }

  @Test
  void offer_keepsAtMostMaxSamples() {
    Sampler s = new Sampler(100, 1 << 20);
    for (int i = 0; i < 10_000; i++) {
      s.offer(value(i, 50));
    }
    assertThat(s.size()).isEqualTo(100);
    assertThat(s.seen()).isEqualTo(10_000);
    assertThat(s.snapshot()).hasSize(100);
    assertThat(s.bytes()).isEqualTo(100 * 50);
  }

  @Test
  void offer_keepsAtMostMaxBytes() {
    Sampler s = new Sampler(1000, 10_000);
    for (int i = 0; i < 5_000; i++) {
      s.offer(value(i, 10 + i % 300));
    }
    s.offer(new byte[20_000]); // larger than the whole budget: counted, never kept
    assertThat(s.bytes()).isLessThanOrEqualTo(10_000);
    long sum = 0;
    for (byte[] b : s.snapshot()) {
      sum += b.length;
    }
    assertThat(sum).isEqualTo(s.bytes());
    assertThat(s.seen()).isEqualTo(5_001);
    assertThat(s.size()).isGreaterThan(10);
  }

  @Test
  void offer_samplesAcrossTheWholeStream() {
    Sampler s = new Sampler(200, 1 << 20);
    for (int i = 0; i < 20_000; i++) {
      s.offer(new byte[] {(byte) (i / 2000)}); // ten eras of 2000 values each
    }
    Set<Byte> eras = new HashSet<>();
    for (byte[] b : s.snapshot()) {
      eras.add(b[0]);
    }
    assertThat(eras).as("a reservoir keeps values from early and late eras").hasSizeGreaterThanOrEqualTo(8);
  }

  @Test
  void offer_copiesKeptValues() {
    Sampler s = new Sampler(4, 1000);
    byte[] v = {1, 2, 3};
    s.offer(v);
    v[0] = 9;
    assertThat(s.snapshot().get(0)).containsExactly(1, 2, 3);
  }

  @Test
  void offer_threadSafe() throws InterruptedException {
    Sampler s = new Sampler(50, 1 << 20);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread th = new Thread(() -> {
        for (int i = 0; i < 5_000; i++) {
          s.offer(value(i, 20));
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    assertThat(s.seen()).isEqualTo(20_000);
    assertThat(s.size()).isEqualTo(50);
    assertThat(s.bytes()).isEqualTo(50 * 20);
  }

  @Test
  void constructor_rejectsNonPositiveBounds() {
    assertThatThrownBy(() -> new Sampler(0, 10)).hasMessageContaining("maxSamples");
    assertThatThrownBy(() -> new Sampler(10, 0)).hasMessageContaining("maxBytes");
  }
}
