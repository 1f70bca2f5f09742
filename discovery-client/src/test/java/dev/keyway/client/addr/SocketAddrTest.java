package dev.keyway.client.addr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SocketAddrTest {
  private static final HexFormat HEX = HexFormat.of();

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "192.168.96.145:60165          | 192.168.96.145:60165 | c0a86091",
      "127.0.0.1:1024                | 127.0.0.1:1024       | 7f000001",
      "0.0.0.0:0                     | 0.0.0.0:0            | 00000000",
      "1.2.3.4:05678                 | 1.2.3.4:5678         | 01020304",
      "[2001:db8::1]:5678            | [2001:db8::1]:5678   | 20010db8000000000000000000000001",
      "[2001:DB8:0:0:0:0:0:1]:5678   | [2001:db8::1]:5678   | 20010db8000000000000000000000001",
      "[fe80::1%3]:80                | [fe80::1%3]:80       | fe800000000000000000000000000001",
      "[fe80::1%0]:80                | [fe80::1]:80         | fe800000000000000000000000000001",
      "[::]:0                        | [::]:0               | 00000000000000000000000000000000",
      "[::1]:1                       | [::1]:1              | 00000000000000000000000000000001",
      "[1::]:1                       | [1::]:1              | 00010000000000000000000000000000",
      "[::ffff:1.2.3.4]:80           | [::ffff:1.2.3.4]:80  | 00000000000000000000ffff01020304",
      "[::ffff:0102:0304]:80         | [::ffff:1.2.3.4]:80  | 00000000000000000000ffff01020304",
      "[::1.2.3.4]:80                | [::102:304]:80       | 00000000000000000000000001020304",
      "[64:ff9b::1.2.3.4]:80         | [64:ff9b::102:304]:80 | 0064ff9b000000000000000001020304",
      "[2001:db8:0:0:1:0:0:1]:1      | [2001:db8::1:0:0:1]:1 | 20010db8000000000001000000000001",
      "[1:0:1:1:1:1:1:1]:1           | [1:0:1:1:1:1:1:1]:1  | 00010000000100010001000100010001",
      "[1:2:3:4:5:6:7::]:1           | [1:2:3:4:5:6:7:0]:1  | 00010002000300040005000600070000",
      "[1:2:3:4:5:6:1.2.3.4]:1       | [1:2:3:4:5:6:102:304]:1 | 00010002000300040005000601020304",
  })
  void parsesAndDisplaysLikeRust(String input, String display, String ipHex) {
    SocketAddr a = SocketAddr.parse(input);
    assertThat(a.toString()).isEqualTo(display);
    assertThat(HEX.formatHex(a.ip())).isEqualTo(ipHex);
    assertThat(a.isIpv4()).isEqualTo(ipHex.length() == 8);
    assertThat(SocketAddr.parse(display)).isEqualTo(a);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1.2.3.4", "1.2.3.4:", "01.2.3.4:1", "1.2.3.256:1", "1.2.3:1", "1.2.3.4.5:1",
      "1.2.3.4:65536", "1.2.3.4:-1", "1.2.3.4:+1", "1.2.3.4:80 ", " 1.2.3.4:80", "1.2.3.4:80x", "1.2.3.0004:1",
      "[::1]", "::1:80", "[::1]80", "[::1%eth0]:80", "[::1%]:80", "[::1%4294967296]:80", "[1:2:3:4:5:6:7:8:9]:1",
      "[::1.2.3.4.5]:1", "[1.2.3.4::]:1", "[1::2::3]:1", "[12345::]:1", "[:1]:1", "[1:2:3:4:5:6:7:8::]:1",
      "[1:2:3:4::5:6:7:8]:1", "[::01.2.3.4]:1", "localhost:80", "example.com:443", "[::1]:65536", "１.2.3.4:1"})
  void rejectsWhatRustRejects(String input) {
    assertThatThrownBy(() -> SocketAddr.parse(input))
        .isInstanceOf(AddrFormatException.class).hasMessageContaining("invalid socket address");
  }

  @Test
  void acceptsLargeScopeAndLeadingZeroPorts() {
    SocketAddr a = SocketAddr.parse("[fe80::1%4294967295]:00080");
    assertThat(a.scopeId()).isEqualTo(4294967295L);
    assertThat(a.port()).isEqualTo(80);
    assertThat(a.toString()).isEqualTo("[fe80::1%4294967295]:80");
    assertThat(a.withoutScope().toString()).isEqualTo("[fe80::1]:80");
  }

  @Test
  void ordersV4BeforeV6ThenBytesThenPortThenScope() {
    List<SocketAddr> sorted = new ArrayList<>(List.of(
        SocketAddr.parse("[fe80::1%2]:1"), SocketAddr.parse("[fe80::1%1]:1"), SocketAddr.parse("[::1]:9"),
        SocketAddr.parse("255.255.255.255:1"), SocketAddr.parse("10.0.0.1:2"), SocketAddr.parse("10.0.0.1:1"),
        SocketAddr.parse("[fe80::1]:2"), SocketAddr.parse("128.0.0.1:0")));
    sorted.sort(null);
    assertThat(sorted).extracting(SocketAddr::toString).containsExactly(
        "10.0.0.1:1", "10.0.0.1:2", "128.0.0.1:0", "255.255.255.255:1", "[::1]:9", "[fe80::1%1]:1",
        "[fe80::1%2]:1", "[fe80::1]:2");
  }

  @Test
  void convertsToAndFromJavaWithoutLookupsAndKeepsMappedAddressesV6() throws Exception {
    SocketAddr mapped = SocketAddr.parse("[::ffff:1.2.3.4]:80");
    InetSocketAddress inet = mapped.toInetSocketAddress();
    assertThat(inet.getAddress()).isInstanceOf(Inet6Address.class);
    assertThat(inet.isUnresolved()).isFalse();
    SocketAddr v4 = SocketAddr.parse("1.2.3.4:80");
    assertThat(v4.toInetSocketAddress().getAddress()).isInstanceOf(Inet4Address.class);
    assertThat(SocketAddr.of(v4.toInetSocketAddress())).isEqualTo(v4);
    SocketAddr scoped = SocketAddr.parse("[fe80::1%3]:80");
    assertThat(((Inet6Address) scoped.toInetSocketAddress().getAddress()).getScopeId()).isEqualTo(3);
    assertThat(SocketAddr.of(scoped.toInetSocketAddress())).isEqualTo(scoped);
    assertThat(SocketAddr.of(new InetSocketAddress(InetAddress.getByAddress(new byte[16]), 5)).toString())
        .isEqualTo("[::]:5");
    assertThatThrownBy(() -> SocketAddr.of(InetSocketAddress.createUnresolved("example.com", 80)))
        .isInstanceOf(AddrFormatException.class);
  }

  @Test
  void factoriesValidateAndCopy() {
    byte[] ip = {1, 2, 3, 4};
    SocketAddr a = SocketAddr.of(ip, 7);
    ip[0] = 9;
    assertThat(a.toString()).isEqualTo("1.2.3.4:7");
    a.ip()[0] = 9;
    assertThat(a.toString()).isEqualTo("1.2.3.4:7");
    assertThatThrownBy(() -> SocketAddr.of(new byte[5], 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SocketAddr.of(new byte[4], 65536)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SocketAddr.ofV6(new byte[4], 1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(SocketAddr.ofV6(new byte[16], 1, 0xFFFF_FFFFL).scopeId()).isEqualTo(0xFFFF_FFFFL);
  }
}
