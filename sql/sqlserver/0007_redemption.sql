-- Redemption at the points supermarket (DESIGN §7): the shops' catalogue and stock, residents' cards, vouchers and the
-- receipts the counter gives. Points move only through the ledger (a voucher is a hold; confirming captures it); these
-- tables hold what the ledger does not: goods, cards and the state of a voucher.

-- A shop is the community's points supermarket (积分超市) or a partner shop (爱心商家) that takes points for an amount.
ALTER TABLE dbo.shops ADD kind nvarchar(16) NOT NULL
    CONSTRAINT df_shops_kind DEFAULT N'supermarket'
    CONSTRAINT ck_shops_kind CHECK (kind IN (N'supermarket', N'partner'));
GO

-- Products with a points price. on_hand is the stock on hand: a projection of stock_movements written in the same
-- transaction as each movement (a conditional UPDATE), never negative (the CHECK), proven equal to the sum by verify.
CREATE TABLE dbo.products (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_products PRIMARY KEY,
    community_id    bigint        NOT NULL CONSTRAINT fk_products_community REFERENCES dbo.communities (id),
    shop_id         bigint        NOT NULL CONSTRAINT fk_products_shop REFERENCES dbo.shops (id),
    name            nvarchar(100) NOT NULL,
    unit            nvarchar(16)  NOT NULL,
    points_price    bigint        NOT NULL CONSTRAINT ck_products_points_price CHECK (points_price BETWEEN 1 AND 1000000),
    is_active       bit           NOT NULL CONSTRAINT df_products_is_active DEFAULT 1,
    on_hand         bigint        NOT NULL CONSTRAINT df_products_on_hand DEFAULT 0 CONSTRAINT ck_products_on_hand CHECK (on_hand >= 0),
    created_at      datetime2(3)  NOT NULL,
    CONSTRAINT ux_products_name UNIQUE (shop_id, name)
);
CREATE INDEX ix_products_community ON dbo.products (community_id, shop_id);
GO

-- Every change of stock, append-only: restock and donation bring goods in (a donation names its donor and the goods'
-- estimated value in fen, 1/100 yuan), a redemption takes them out, a return brings a redemption's goods back, a
-- stock-take correction sets the count right either way.
CREATE TABLE dbo.stock_movements (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_stock_movements PRIMARY KEY,
    community_id    bigint        NOT NULL CONSTRAINT fk_stock_movements_community REFERENCES dbo.communities (id),
    shop_id         bigint        NOT NULL CONSTRAINT fk_stock_movements_shop REFERENCES dbo.shops (id),
    product_id      bigint        NOT NULL CONSTRAINT fk_stock_movements_product REFERENCES dbo.products (id),
    kind            nvarchar(16)  NOT NULL CONSTRAINT ck_stock_movements_kind
        CHECK (kind IN (N'restock', N'donation', N'redemption', N'return', N'correction')),
    quantity        bigint        NOT NULL CONSTRAINT ck_stock_movements_quantity CHECK (quantity <> 0),
    donor           nvarchar(200) NULL,
    value_fen       bigint        NULL CONSTRAINT ck_stock_movements_value CHECK (value_fen >= 0),
    note            nvarchar(500) NULL,
    receipt_no      nvarchar(32)  COLLATE Latin1_General_100_BIN2 NULL,
    actor           nvarchar(200) NOT NULL,
    created_at      datetime2(3)  NOT NULL,
    CONSTRAINT ck_stock_movements_sign CHECK ((kind IN (N'restock', N'donation', N'return') AND quantity > 0)
        OR (kind = N'redemption' AND quantity < 0) OR kind = N'correction'),
    CONSTRAINT ck_stock_movements_donor CHECK ((kind = N'donation' AND donor IS NOT NULL)
        OR (kind <> N'donation' AND donor IS NULL AND value_fen IS NULL))
);
CREATE INDEX ix_stock_movements_product ON dbo.stock_movements (product_id, id);
CREATE INDEX ix_stock_movements_shop ON dbo.stock_movements (community_id, shop_id, created_at);
GO

CREATE TRIGGER dbo.tr_stock_movements_append_only ON dbo.stock_movements
INSTEAD OF UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    THROW 51020, N'stock_movements is append-only: UPDATE and DELETE are not allowed', 1;
END;
GO

-- A resident's card: its QR encodes <public base URL>/c/<token>. The token is random (≥128 bits); token_hash (SHA-256,
-- lowercase hex) finds the card, token_sealed (the token encrypted with the service's data-protection keys) lets the
-- committee print it again. One active card per account: a new card revokes the old. The PIN (for vouchers and the
-- counter) is stored hashed; pin_failures wrong PINs in a row lock the card (locked_at) until the committee unlocks it.
CREATE TABLE dbo.cards (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_cards PRIMARY KEY,
    community_id    bigint         NOT NULL CONSTRAINT fk_cards_community REFERENCES dbo.communities (id),
    account_id      bigint         NOT NULL CONSTRAINT fk_cards_account REFERENCES dbo.accounts (id),
    token_hash      nvarchar(64)   COLLATE Latin1_General_100_BIN2 NOT NULL CONSTRAINT ux_cards_token_hash UNIQUE,
    token_sealed    nvarchar(1000) COLLATE Latin1_General_100_BIN2 NOT NULL,
    status          nvarchar(16)   NOT NULL CONSTRAINT ck_cards_status CHECK (status IN (N'active', N'revoked')),
    pin_hash        nvarchar(200)  COLLATE Latin1_General_100_BIN2 NULL,
    pin_failures    int            NOT NULL CONSTRAINT df_cards_pin_failures DEFAULT 0 CONSTRAINT ck_cards_pin_failures CHECK (pin_failures >= 0),
    locked_at       datetime2(3)   NULL,
    issued_by       nvarchar(200)  NOT NULL,
    issued_at       datetime2(3)   NOT NULL,
    revoked_by      nvarchar(200)  NULL,
    revoked_at      datetime2(3)   NULL
);
CREATE UNIQUE INDEX ux_cards_active ON dbo.cards (account_id) WHERE status = N'active';
CREATE INDEX ix_cards_community ON dbo.cards (community_id, account_id);
GO

-- A one-time voucher: an order at a shop (items, or a points amount at a partner shop) with a random code, an expiry
-- and a hold on the points (holds.reference = 'voucher-<id>'). issued → redeemed (the counter confirmed: receipt_no,
-- redeemed_seq) | cancelled | expired (the hold released by the job). Every change is a conditional UPDATE.
CREATE TABLE dbo.vouchers (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_vouchers PRIMARY KEY,
    community_id    bigint        NOT NULL CONSTRAINT fk_vouchers_community REFERENCES dbo.communities (id),
    shop_id         bigint        NOT NULL CONSTRAINT fk_vouchers_shop REFERENCES dbo.shops (id),
    account_id      bigint        NOT NULL CONSTRAINT fk_vouchers_account REFERENCES dbo.accounts (id),
    card_id         bigint        NULL CONSTRAINT fk_vouchers_card REFERENCES dbo.cards (id),
    code            nvarchar(32)  COLLATE Latin1_General_100_BIN2 NOT NULL CONSTRAINT ux_vouchers_code UNIQUE,
    hold_id         bigint        NOT NULL CONSTRAINT fk_vouchers_hold REFERENCES dbo.holds (id),
    points          bigint        NOT NULL CONSTRAINT ck_vouchers_points CHECK (points > 0),
    status          nvarchar(16)  NOT NULL CONSTRAINT ck_vouchers_status CHECK (status IN (N'issued', N'redeemed', N'cancelled', N'expired')),
    issued_via      nvarchar(16)  NOT NULL CONSTRAINT ck_vouchers_issued_via CHECK (issued_via IN (N'card_pin', N'staff', N'counter_pin')),
    created_by      nvarchar(200) NOT NULL,
    created_at      datetime2(3)  NOT NULL,
    expires_at      datetime2(3)  NOT NULL,
    closed_by       nvarchar(200) NULL,
    closed_at       datetime2(3)  NULL,
    receipt_no      nvarchar(32)  COLLATE Latin1_General_100_BIN2 NULL,
    redeemed_seq    bigint        NULL
);
CREATE UNIQUE INDEX ux_vouchers_receipt_no ON dbo.vouchers (receipt_no) WHERE receipt_no IS NOT NULL;
CREATE INDEX ix_vouchers_status ON dbo.vouchers (community_id, status, expires_at);
CREATE INDEX ix_vouchers_account ON dbo.vouchers (account_id, status);
GO

-- The items of a voucher, priced when it was issued (the price the resident agreed to).
CREATE TABLE dbo.voucher_items (
    voucher_id      bigint NOT NULL CONSTRAINT fk_voucher_items_voucher REFERENCES dbo.vouchers (id),
    product_id      bigint NOT NULL CONSTRAINT fk_voucher_items_product REFERENCES dbo.products (id),
    quantity        bigint NOT NULL CONSTRAINT ck_voucher_items_quantity CHECK (quantity BETWEEN 1 AND 1000),
    points_price    bigint NOT NULL CONSTRAINT ck_voucher_items_points_price CHECK (points_price > 0),
    CONSTRAINT pk_voucher_items PRIMARY KEY (voucher_id, product_id)
);
GO

-- A redemption's receipt: what the counter confirmed (the voucher, the posting) and, if it was returned, the reversal.
CREATE TABLE dbo.receipts (
    receipt_no      nvarchar(32)  COLLATE Latin1_General_100_BIN2 NOT NULL CONSTRAINT pk_receipts PRIMARY KEY,
    community_id    bigint        NOT NULL CONSTRAINT fk_receipts_community REFERENCES dbo.communities (id),
    shop_id         bigint        NOT NULL CONSTRAINT fk_receipts_shop REFERENCES dbo.shops (id),
    voucher_id      bigint        NOT NULL CONSTRAINT fk_receipts_voucher REFERENCES dbo.vouchers (id) CONSTRAINT ux_receipts_voucher UNIQUE,
    account_id      bigint        NOT NULL CONSTRAINT fk_receipts_account REFERENCES dbo.accounts (id),
    points          bigint        NOT NULL CONSTRAINT ck_receipts_points CHECK (points > 0),
    seq             bigint        NOT NULL,
    balance_after   bigint        NOT NULL,
    confirmed_by    nvarchar(200) NOT NULL,
    confirmed_at    datetime2(3)  NOT NULL,
    returned_seq    bigint        NULL,
    return_reason   nvarchar(500) NULL,
    returned_by     nvarchar(200) NULL,
    returned_at     datetime2(3)  NULL
);
CREATE INDEX ix_receipts_shop ON dbo.receipts (community_id, shop_id, confirmed_at);
GO

CREATE TRIGGER dbo.tr_voucher_items_fixed ON dbo.voucher_items
INSTEAD OF UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    THROW 51021, N'voucher_items are fixed when the voucher is issued', 1;
END;
GO

GRANT SELECT, INSERT, UPDATE ON dbo.products TO pointsbank_app;
GRANT SELECT, INSERT ON dbo.stock_movements TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.cards TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.vouchers TO pointsbank_app;
GRANT SELECT, INSERT ON dbo.voucher_items TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.receipts TO pointsbank_app;
DENY UPDATE, DELETE ON dbo.stock_movements TO pointsbank_app;
DENY DELETE ON dbo.products TO pointsbank_app;
DENY DELETE ON dbo.cards TO pointsbank_app;
DENY DELETE ON dbo.vouchers TO pointsbank_app;
DENY UPDATE, DELETE ON dbo.voucher_items TO pointsbank_app;
DENY DELETE ON dbo.receipts TO pointsbank_app;
GO
