#ifndef VNETD_TEST_EAL_ENV_H
#define VNETD_TEST_EAL_ENV_H
int test_eal_init(void);
#endif
