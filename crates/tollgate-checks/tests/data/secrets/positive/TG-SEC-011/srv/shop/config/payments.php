<?php
return [
    'currency' => 'eur',
    'secret' => 'sk_~~live_ZoPhsdxfw02iuhNN7vCIS0tVN11MpoaeY3V0SCerG7IT6gdvrxc3OjfXKI2IH1SOA9xa6VTYy3wbTO1wQqDX8ctRWFLURdQJfoZ',
];
