/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * mf.h: block order of the collaborative scorer and its specialised loop. */
#ifndef RS_SCORERS_MF_H
#define RS_SCORERS_MF_H

#include "optim/train.h"

enum { MF_BLOCK_UBIAS = 0, MF_BLOCK_IBIAS = 1, MF_BLOCK_P = 2, MF_BLOCK_Q = 3 };

RS_INTERNAL void rs__mf_train_chunk(rs__train_ctx *c, const rs__chunk *ch);

#endif
