-- Order search by the receiver's phone tail: the last four digits, indexed (the search compares them
-- first, then the whole tail). Searches by the platform's order id without a shop probe the
-- (shop, external id) index once per shop.
create index orders_phone_tail on orders (substr(receiver_phone, -4), id);
