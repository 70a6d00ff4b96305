SELECT user_id, _arrival_time, ROWTIME AS rt, _partition_key, _shard_id, _sequence_number, _sub_sequence_number FROM clicks
