-- Redemption at the points supermarket (DESIGN §7): the shops' catalogue and stock, residents' cards, vouchers and the
-- receipts the counter gives. Points move only through the ledger (a voucher is a hold; confirming captures it); these
-- tables hold what the ledger does not: goods, cards and the state of a voucher.

-- A shop is the community's points supermarket (积分超市) or a partner shop (爱心商家) that takes points for an amount.
ALTER TABLE shops ADD COLUMN kind TEXT NOT NULL DEFAULT 'supermarket' CHECK (kind IN ('supermarket', 'partner'));

-- Products with a points price. on_hand is the stock on hand: a projection of stock_movements written in the same
-- transaction as each movement (a conditional UPDATE), never negative (the CHECK), proven equal to the sum by verify.
CREATE TABLE products (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    shop_id         INTEGER NOT NULL REFERENCES shops (id),
    name            TEXT    NOT NULL,
    unit            TEXT    NOT NULL,
    points_price    INTEGER NOT NULL CHECK (points_price BETWEEN 1 AND 1000000),
    is_active       INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    on_hand         INTEGER NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    created_at      TEXT    NOT NULL,
    UNIQUE (shop_id, name)
);
CREATE INDEX ix_products_community ON products (community_id, shop_id);

-- Every change of stock, append-only: restock and donation bring goods in (a donation names its donor and the goods'
-- estimated value in fen, 1/100 yuan), a redemption takes them out, a return brings a redemption's goods back, a
-- stock-take correction sets the count right either way.
CREATE TABLE stock_movements (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    shop_id         INTEGER NOT NULL REFERENCES shops (id),
    product_id      INTEGER NOT NULL REFERENCES products (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('restock', 'donation', 'redemption', 'return', 'correction')),
    quantity        INTEGER NOT NULL CHECK (quantity <> 0),
    donor           TEXT    NULL,
    value_fen       INTEGER NULL CHECK (value_fen >= 0),
    note            TEXT    NULL,
    receipt_no      TEXT    NULL,
    actor           TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    CHECK ((kind IN ('restock', 'donation', 'return') AND quantity > 0) OR (kind = 'redemption' AND quantity < 0) OR kind = 'correction'),
    CHECK ((kind = 'donation' AND donor IS NOT NULL) OR (kind <> 'donation' AND donor IS NULL AND value_fen IS NULL))
);
CREATE INDEX ix_stock_movements_product ON stock_movements (product_id, id);
CREATE INDEX ix_stock_movements_shop ON stock_movements (community_id, shop_id, created_at);
CREATE TRIGGER tr_stock_movements_no_update BEFORE UPDATE ON stock_movements
BEGIN SELECT RAISE(ABORT, 'stock_movements is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER tr_stock_movements_no_delete BEFORE DELETE ON stock_movements
BEGIN SELECT RAISE(ABORT, 'stock_movements is append-only: DELETE is not allowed'); END;

-- A resident's card: its QR encodes <public base URL>/c/<token>. The token is random (≥128 bits); token_hash (SHA-256,
-- lowercase hex) finds the card, token_sealed (the token encrypted with the service's data-protection keys) lets the
-- committee print it again. One active card per account: a new card revokes the old. The PIN (for vouchers and the
-- counter) is stored hashed; pin_failures wrong PINs in a row lock the card (locked_at) until the committee unlocks it.
CREATE TABLE cards (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    account_id      INTEGER NOT NULL REFERENCES accounts (id),
    token_hash      TEXT    NOT NULL UNIQUE,
    token_sealed    TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('active', 'revoked')),
    pin_hash        TEXT    NULL,
    pin_failures    INTEGER NOT NULL DEFAULT 0 CHECK (pin_failures >= 0),
    locked_at       TEXT    NULL,
    issued_by       TEXT    NOT NULL,
    issued_at       TEXT    NOT NULL,
    revoked_by      TEXT    NULL,
    revoked_at      TEXT    NULL
);
CREATE UNIQUE INDEX ux_cards_active ON cards (account_id) WHERE status = 'active';
CREATE INDEX ix_cards_community ON cards (community_id, account_id);

-- A one-time voucher: an order at a shop (items, or a points amount at a partner shop) with a random code, an expiry
-- and a hold on the points (holds.reference = 'voucher-<id>'). issued → redeemed (the counter confirmed: receipt_no,
-- redeemed_seq) | cancelled | expired (the hold released by the job). Every change is a conditional UPDATE.
CREATE TABLE vouchers (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    shop_id         INTEGER NOT NULL REFERENCES shops (id),
    account_id      INTEGER NOT NULL REFERENCES accounts (id),
    card_id         INTEGER NULL REFERENCES cards (id),
    code            TEXT    NOT NULL UNIQUE,
    hold_id         INTEGER NOT NULL REFERENCES holds (id),
    points          INTEGER NOT NULL CHECK (points > 0),
    status          TEXT    NOT NULL CHECK (status IN ('issued', 'redeemed', 'cancelled', 'expired')),
    issued_via      TEXT    NOT NULL CHECK (issued_via IN ('card_pin', 'staff', 'counter_pin')),
    created_by      TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    expires_at      TEXT    NOT NULL,
    closed_by       TEXT    NULL,
    closed_at       TEXT    NULL,
    receipt_no      TEXT    NULL UNIQUE,
    redeemed_seq    INTEGER NULL
);
CREATE INDEX ix_vouchers_status ON vouchers (community_id, status, expires_at);
CREATE INDEX ix_vouchers_account ON vouchers (account_id, status);

-- The items of a voucher, priced when it was issued (the price the resident agreed to).
CREATE TABLE voucher_items (
    voucher_id      INTEGER NOT NULL REFERENCES vouchers (id),
    product_id      INTEGER NOT NULL REFERENCES products (id),
    quantity        INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
    points_price    INTEGER NOT NULL CHECK (points_price > 0),
    PRIMARY KEY (voucher_id, product_id)
);

-- A redemption's receipt: what the counter confirmed (the voucher, the posting) and, if it was returned, the reversal.
CREATE TABLE receipts (
    receipt_no      TEXT    NOT NULL PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    shop_id         INTEGER NOT NULL REFERENCES shops (id),
    voucher_id      INTEGER NOT NULL UNIQUE REFERENCES vouchers (id),
    account_id      INTEGER NOT NULL REFERENCES accounts (id),
    points          INTEGER NOT NULL CHECK (points > 0),
    seq             INTEGER NOT NULL,
    balance_after   INTEGER NOT NULL,
    confirmed_by    TEXT    NOT NULL,
    confirmed_at    TEXT    NOT NULL,
    returned_seq    INTEGER NULL,
    return_reason   TEXT    NULL,
    returned_by     TEXT    NULL,
    returned_at     TEXT    NULL
);
CREATE INDEX ix_receipts_shop ON receipts (community_id, shop_id, confirmed_at);

CREATE TRIGGER tr_vouchers_no_delete BEFORE DELETE ON vouchers
BEGIN SELECT RAISE(ABORT, 'vouchers are never deleted: a voucher is cancelled or expires instead'); END;
CREATE TRIGGER tr_voucher_items_no_change BEFORE UPDATE ON voucher_items
BEGIN SELECT RAISE(ABORT, 'voucher_items are fixed when the voucher is issued'); END;
CREATE TRIGGER tr_voucher_items_no_delete BEFORE DELETE ON voucher_items
BEGIN SELECT RAISE(ABORT, 'voucher_items are fixed when the voucher is issued'); END;
CREATE TRIGGER tr_receipts_no_delete BEFORE DELETE ON receipts
BEGIN SELECT RAISE(ABORT, 'receipts are never deleted: a redemption is returned instead'); END;
CREATE TRIGGER tr_cards_no_delete BEFORE DELETE ON cards
BEGIN SELECT RAISE(ABORT, 'cards are never deleted: a card is revoked instead'); END;
