#include "gfl_phen_util.h"
gfl_status gfl_phen_lottery_ticket(const gfl_phen_opts *o, gfl_phen_result *r)
{
    (void)o;
    r->json = json_object();
    r->reproduced = 0;
    return GFL_OK;
}
