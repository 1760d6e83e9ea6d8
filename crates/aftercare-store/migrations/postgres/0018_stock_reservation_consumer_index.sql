-- A station may book stock to a requisition only if the requisition has not touched another
-- station's stock (`query::consumer_warehouses`), which looks reservations up by consumer.
CREATE INDEX stock_reservations_consumer ON stock_reservations (consumer_kind, consumer_id);
