package dev.keyway.gossip.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MessageIdTest {
  @Test
  void isBlake3OfTheContent() {
    // BLAKE3 reference vectors (the empty input and "abc").
    assertThat(MessageId.of(new byte[0]).toString())
        .isEqualTo("af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
    assertThat(MessageId.of("abc".getBytes(StandardCharsets.US_ASCII)).toString())
        .isEqualTo("6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85");
  }

  @Test
  void matchesOnlyItsContent() {
    byte[] content = "hello".getBytes(StandardCharsets.UTF_8);
    MessageId id = MessageId.of(content);
    assertThat(id.matches(content)).isTrue();
    assertThat(id.matches("hellO".getBytes(StandardCharsets.UTF_8))).isFalse();
  }

  @Test
  void comparesAndHashesByBytes() {
    MessageId a = MessageId.of(new byte[] {1});
    MessageId b = MessageId.fromBytes(a.toBytes());
    assertThat(b).isEqualTo(a).hasSameHashCodeAs(a);
    assertThat(a.compareTo(b)).isZero();
    assertThat(a).isNotEqualTo(MessageId.of(new byte[] {2}));
    assertThatThrownBy(() -> MessageId.fromBytes(new byte[31])).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void topicNamesAreEncodedAsUtf8() {
    for (String name : new String[] {"", "chat", "größe", "トピック", "emoji \uD83D\uDE00", "lone \uD800 surrogate"}) {
      assertThat(TopicId.utf8(name)).as(name).isEqualTo(name.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void topicIdsCompareByBytes() {
    TopicId t = TopicId.ofName("chat");
    assertThat(TopicId.fromBytes(t.toBytes())).isEqualTo(t);
    assertThat(t.fmtShort()).hasSize(10).isEqualTo(t.toString().substring(0, 10));
  }
}
