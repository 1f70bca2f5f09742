package dev.keyway.gossip.book;

/**
 * What a payload on the address-book topic is, told by its first two bytes. Every book message is
 * a CBOR array whose first element is a small unsigned integer naming its kind:
 *
 * <pre>
 * 0x84 0x01 ...  announcement  [1, signer, body, signature]   ({@link Announcements})
 * 0x82 0x02 ...  hand-over     [2, [envelope ...]]            ({@link BookSync})
 * 0x84 0x03 ...  leave         [3, signer, body, signature]   ({@link Leaves})
 * </pre>
 *
 * Anything else is {@link #UNKNOWN}: a kind of a later keyway, or not a book message at all. The
 * receiver hands it to the announcement parser, which refuses any kind but 1 ("unknown
 * announcement version"); it is counted as malformed and dropped, and nothing else happens: the
 * gossip layer has forwarded it already (it forwards any payload), and the connection is not
 * affected. A keyway from before leaves existed treats a leave exactly so: it reads everything that
 * is not a hand-over as an announcement.
 */
enum BookMessageKind {
  ANNOUNCEMENT,
  SYNC,
  LEAVE,
  UNKNOWN;

  /** The kind of {@code content}. */
  static BookMessageKind of(byte[] content) {
    if (content.length < 2) {
      return UNKNOWN;
    }
    int header = content[0] & 0xff;
    int kind = content[1] & 0xff;
    if (header == 0x84 && kind == 1) {
      return ANNOUNCEMENT;
    }
    if (header == 0x82 && kind == BookSync.VERSION) {
      return SYNC;
    }
    if (header == 0x84 && kind == Leaves.KIND) {
      return LEAVE;
    }
    return UNKNOWN;
  }
}
