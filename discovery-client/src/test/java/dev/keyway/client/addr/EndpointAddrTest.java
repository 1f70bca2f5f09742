package dev.keyway.client.addr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.keys.PublicKey;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EndpointAddrTest {
  private static final PublicKey ID =
      PublicKey.parse("ae58ff8833241ac82d6ff7611046ed67b5072d142c588d0063e942d9a75502b6");

  @Test
  void sortsDeduplicatesAndExposesKinds() {
    EndpointAddr addr = EndpointAddr.builder(ID)
        .custom(CustomAddr.parse("1_ab"))
        .ip("[::1]:5")
        .ip("127.0.0.1:1024")
        .relay("http://derp.me.")
        .relay("HTTP://derp.me./")
        .build();
    assertThat(addr.addrs()).extracting(TransportAddr::value)
        .containsExactly("http://derp.me./", "127.0.0.1:1024", "[::1]:5", "1_ab");
    assertThat(addr.relayUrls()).containsExactly(RelayUrl.parse("http://derp.me./"));
    assertThat(addr.ipAddrs()).extracting(SocketAddr::toString).containsExactly("127.0.0.1:1024", "[::1]:5");
    assertThat(addr.customAddrs()).containsExactly(CustomAddr.parse("1_ab"));
    assertThat(addr.toString()).isEqualTo("EndpointAddr[id=" + ID
        + ", addrs=[relay:http://derp.me./, ip:127.0.0.1:1024, ip:[::1]:5, custom:1_ab]]");
  }

  @Test
  void isImmutableAndValueBased() {
    Set<TransportAddr> input = new HashSet<>(List.of(TransportAddr.ip("1.2.3.4:5")));
    EndpointAddr a = EndpointAddr.of(ID, input);
    input.add(TransportAddr.ip("1.2.3.4:6"));
    assertThat(a.addrs()).hasSize(1);
    assertThatThrownBy(() -> a.addrs().add(TransportAddr.ip("1.2.3.4:7")))
        .isInstanceOf(UnsupportedOperationException.class);
    EndpointAddr b = EndpointAddr.of(ID).withIpAddr(SocketAddr.parse("1.2.3.4:5"));
    assertThat(b).isEqualTo(a).hasSameHashCodeAs(a);
    assertThat(a.with(TransportAddr.relay("https://r.example")).addrs()).hasSize(2);
    assertThat(a.addrs()).hasSize(1);
    assertThat(EndpointAddr.of(ID).isEmpty()).isTrue();
    assertThatThrownBy(() -> EndpointAddr.of(ID, (TransportAddr) null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void transportAddrOrderIsRelayThenIpThenCustom() {
    List<TransportAddr> sorted = new java.util.ArrayList<>(List.of(
        new TransportAddr.Custom(CustomAddr.parse("0_")), TransportAddr.ip("[::]:0"), TransportAddr.ip("0.0.0.0:0"),
        TransportAddr.relay("https://z.example"), TransportAddr.relay("http://z.example")));
    sorted.sort(null);
    assertThat(sorted).extracting(Object::toString).containsExactly(
        "relay:http://z.example/", "relay:https://z.example/", "ip:0.0.0.0:0", "ip:[::]:0", "custom:0_");
  }

  @Test
  void addrValueParsing() {
    assertThat(TransportAddr.parseAddrValue("192.168.96.145:60165")).isEqualTo(TransportAddr.ip("192.168.96.145:60165"));
    assertThat(TransportAddr.parseAddrValue("[2001:db8::1]:5678").value()).isEqualTo("[2001:db8::1]:5678");
    assertThat(TransportAddr.parseAddrValue("1_a1b2c3d4e5f6").value()).isEqualTo("1_a1b2c3d4e5f6");
    assertThatThrownBy(() -> TransportAddr.parseAddrValue("1.2.3.4:5 6.7.8.9:10"))
        .isInstanceOf(AddrFormatException.class).hasMessageContaining("neither a socket address");
    assertThatThrownBy(() -> TransportAddr.parseAddrValue("https://relay.example/"))
        .isInstanceOf(AddrFormatException.class);
  }
}
