package dev.keyway.ops.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.gossip.book.BookEntry;
import dev.keyway.gossip.book.GossipAddressBook;
import dev.keyway.gossip.net.GossipNode;
import dev.keyway.gossip.proto.TopicStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a running {@link GossipDemoNode} shows of its address book, as it is at the clock's now: the
 * "Address book" text block it prints, the JSON of its dump file and of {@code /book.json}, and its
 * live web page.
 */
final class GossipBookViews {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private final Clock clock;
  private final GossipNode node;
  private final GossipAddressBook book;

  GossipBookViews(Clock clock, GossipNode node, GossipAddressBook book) {
    this.clock = clock;
    this.node = node;
    this.book = book;
  }

  /**
   * The "Address book" block printed on every change: self, then the discovered peers, every id
   * (two nodes announcing one name are both listed: names are labels, ids are identities).
   */
  String text() {
    Instant now = clock.instant();
    List<BookEntry> peers = book.book().allEntries();
    StringBuilder b = new StringBuilder();
    b.append("Address book (").append(now).append(")\n");
    b.append("  Self: ").append(book.name()).append(" (").append(node.id()).append(") ")
        .append(addrs(node.endpointAddr().addrs())).append('\n');
    if (peers.isEmpty()) {
      b.append("  No peers discovered yet\n");
    } else {
      b.append("  Discovered peers (").append(peers.size()).append("):\n");
      for (BookEntry e : peers) {
        b.append("    \u2022 ").append(e.name()).append(" (").append(e.nodeId()).append(") ")
            .append(addrs(e.announcement().addrs())).append(" age ").append(age(e.age(now))).append('\n');
      }
    }
    return b.toString();
  }

  /** What {@link #text()} lists, without the ages: it changes only when the listing does. */
  String listing() {
    StringBuilder b = new StringBuilder();
    for (BookEntry e : book.book().allEntries()) {
      b.append(e.name()).append(' ').append(e.nodeId()).append(' ')
          .append(addrs(e.announcement().addrs())).append('\n');
    }
    return b.toString();
  }

  /**
   * Names announced by more than one node seen within {@code within}: name → ids. Each name's
   * owner is the newest announcement, so two live nodes sharing a name take it from each other
   * at every announcement.
   */
  Map<String, List<PublicKey>> sharedNames(Duration within) {
    Instant now = clock.instant();
    Map<String, List<PublicKey>> byName = new java.util.TreeMap<>();
    for (BookEntry e : book.book().allEntries()) {
      if (e.age(now).compareTo(within) <= 0) {
        byName.computeIfAbsent(e.name(), k -> new ArrayList<>()).add(e.nodeId());
      }
    }
    byName.values().removeIf(ids -> ids.size() < 2);
    return byName;
  }

  private static String addrs(java.util.Collection<TransportAddr> addrs) {
    List<String> s = new ArrayList<>();
    for (TransportAddr a : addrs) {
      s.add(a.value());
    }
    return s.toString();
  }

  private static String age(Duration d) {
    return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }

  /** The book as the JSON dump and {@code /book.json} show it. */
  Map<String, Object> snapshot() {
    Instant now = clock.instant();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", book.name());
    m.put("id", node.id().toString());
    m.put("transport", node.transport().toString());
    m.put("addrs", node.endpointAddr().addrs().stream().map(TransportAddr::value).toList());
    m.put("time", now.toString());
    m.put("expiry_ms", book.config().expiry().toMillis());
    List<Map<String, Object>> peers = new ArrayList<>();
    for (BookEntry e : book.book().allEntries()) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("name", e.name());
      // false: another node's newer announcement carries the same name (byName gives that one)
      p.put("name_owner", e.current());
      p.put("id", e.nodeId().toString());
      p.put("addrs", e.announcement().addrs().stream().map(TransportAddr::value).toList());
      p.put("age_ms", e.age(now).toMillis());
      p.put("last_updated_us", e.announcement().timestampMicros());
      peers.add(p);
    }
    m.put("peers", peers);
    m.put("neighbors", book.topic().map(t -> t.neighbors().stream().map(PublicKey::toString).sorted().toList())
        .orElse(List.of()));
    m.put("book_stats", book.stats().asMap());
    m.put("net_stats", node.stats().asMap());
    book.topic().ifPresent(t -> m.put("topic_stats", topicStats(t.stats())));
    return m;
  }

  private static Map<String, Object> topicStats(TopicStats t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("payload_received", t.payloadReceived());
    m.put("control_received", t.controlReceived());
    m.put("duplicates", t.duplicates());
    m.put("grafts_sent", t.graftsSent());
    m.put("prunes_sent", t.prunesSent());
    m.put("invalid", t.invalid());
    return m;
  }

  String json() {
    try {
      return JSON.writeValueAsString(snapshot());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The live page: refreshes itself every 2 s; the same look as the relay's status page. */
  String html() {
    Instant now = clock.instant();
    List<BookEntry> entries = book.book().allEntries();
    int neighbours = book.topic().map(t -> t.neighbors().size()).orElse(0);
    StringBuilder b = new StringBuilder(2048);
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta http-equiv=\"refresh\" content=\"2\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>keyway gossip: ").append(esc(book.name())).append("</title><style>")
        .append("body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;")
        .append("background:#f6f7f9;color:#1d2330}")
        .append("main{max-width:60rem;margin:2.5rem auto;padding:0 1.2rem}")
        .append("h1{font-size:1.5rem;margin:0 0 .2rem}p.sub{color:#5b6475;margin:0 0 1.6rem}")
        .append(".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.8rem}")
        .append(".card{background:#fff;border:1px solid #e1e4ea;border-radius:.6rem;padding:.9rem 1rem}")
        .append(".card b{display:block;font-size:1.35rem;font-variant-numeric:tabular-nums}")
        .append(".card span{color:#5b6475;font-size:.85rem}h2{font-size:1.05rem;margin:1.8rem 0 .6rem}")
        .append("table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #e1e4ea}")
        .append("th,td{padding:.45rem .8rem;text-align:left;border-bottom:1px solid #eef0f4}")
        .append("th{color:#5b6475;font-weight:600;font-size:.85rem}td.age{font-variant-numeric:tabular-nums}")
        .append("code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.8rem}")
        .append("footer{color:#8a92a3;font-size:.8rem;margin-top:1.2rem}")
        .append("</style></head><body><main>\n")
        .append("<h1>Address book of ").append(esc(book.name())).append("</h1><p class=\"sub\">")
        .append("<code>").append(node.id()).append("</code> &middot; ")
        .append(esc(addrs(node.endpointAddr().addrs()))).append(" &middot; ").append(node.transport())
        .append("</p>\n<div class=\"grid\">");
    card(b, Integer.toString(entries.size()), "peers in the book");
    card(b, Integer.toString(neighbours), "gossip neighbours");
    card(b, age(book.config().expiry()), "expiry after last seen");
    b.append("</div>\n<h2>Peers</h2><table><tr><th>name</th><th>id</th><th>addresses</th>")
        .append("<th>last seen</th></tr>");
    for (BookEntry e : entries) {
      b.append("<tr><td>").append(esc(e.name())).append("</td><td><code>").append(e.nodeId())
          .append("</code></td><td>").append(esc(addrs(e.announcement().addrs())))
          .append("</td><td class=\"age\">").append(age(e.age(now))).append(" ago</td></tr>");
    }
    if (entries.isEmpty()) {
      b.append("<tr><td colspan=\"4\">no peers yet</td></tr>");
    }
    b.append("</table>\n<footer>").append(entries.size()).append(" peers, updated ").append(now)
        .append(" &middot; <a href=\"/book.json\">JSON</a></footer></main></body></html>");
    return b.toString();
  }

  private static void card(StringBuilder b, String value, String label) {
    b.append("<div class=\"card\"><b>").append(esc(value)).append("</b><span>").append(esc(label))
        .append("</span></div>");
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
