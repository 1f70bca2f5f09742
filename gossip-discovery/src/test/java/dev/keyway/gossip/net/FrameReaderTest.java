package dev.keyway.gossip.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Length-prefixed records split at every byte, oversized ones skipped without allocation. */
class FrameReaderTest {
  final List<String> seen = new ArrayList<>();
  final FrameReader.Sink sink = new FrameReader.Sink() {
    @Override
    public void record(int streamId, byte[] payload) {
      seen.add(streamId + ":" + new String(payload));
    }

    @Override
    public void oversized(int streamId, long length) {
      seen.add(streamId + ":oversized " + length);
    }

    @Override
    public void malformed(String reason) {
      seen.add("malformed");
    }
  };

  static ByteBuf record(String payload) {
    return Unpooled.buffer().writeInt(payload.length()).writeBytes(payload.getBytes());
  }

  static ByteBuf record(int streamId, String payload) {
    return Unpooled.buffer().writeInt(payload.length() + 1).writeByte(streamId).writeBytes(payload.getBytes());
  }

  static void feedByteByByte(FrameReader r, ByteBuf all) {
    while (all.isReadable()) {
      r.feed(all.readSlice(1));
    }
  }

  @Test
  void recordsSurviveAnySplitAndOversizedOnesAreSkipped() {
    FrameReader r = new FrameReader(false, 8, sink);
    ByteBuf all = Unpooled.wrappedBuffer(record("abc"), record("x".repeat(20)), record(""), record("12345678"));
    feedByteByByte(r, all);
    assertThat(seen).containsExactly("-1:abc", "-1:oversized 20", "-1:", "-1:12345678");
  }

  @Test
  void aHugeAnnouncedLengthIsSkippedNotAllocated() {
    FrameReader r = new FrameReader(false, 4096, sink);
    ByteBuf huge = Unpooled.buffer().writeInt(0x7fffffff).writeBytes(new byte[100]);
    r.feed(huge);
    assertThat(seen).containsExactly("-1:oversized 2147483647");
  }

  @Test
  void streamIdsAreReadWithTheMultiplex() {
    FrameReader r = new FrameReader(true, 8, sink);
    ByteBuf all = Unpooled.wrappedBuffer(record(3, "topic"), record(7, "x".repeat(9)), record(3, ""), record(3, "ok"));
    feedByteByByte(r, all);
    assertThat(seen).containsExactly("3:topic", "7:oversized 9", "3:", "3:ok");
    r.feed(Unpooled.buffer().writeInt(0).writeByte(1));
    assertThat(seen).endsWith("malformed");
  }
}
