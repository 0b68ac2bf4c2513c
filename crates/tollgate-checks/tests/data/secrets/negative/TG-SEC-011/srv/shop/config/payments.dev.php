<?php
return [
    'secret' => 'sk_~~test_hUCieWir6a2cumJXLSfTUMjvkj02qdxC8h5LTj8nq3Ll6SvqGxmI385LsDiRgz0rgMR8oNEGnIx1i4wmVXXnmqdaA6nGoFAlii0',
    'publishable' => 'pk_~~live_IEGg2xlepz1YXtkIctLNBLlYgT8IgFlS5VhTZ0wNs2Dkg0YzLOQYB0EmVwsCf8km4k24RXf2YC2hI1OmlfknqKkL7J1gPLW62pT',
];
