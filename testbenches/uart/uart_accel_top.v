// uart_accel_top: a board without a CPU, for simulation: the UART bridge
// in front of a generated accelerator top. Built by
// generator/tests/rtl_uart.rs with these defines (from the design's
// design.json):
//   TOMATL_ACCEL      the accelerator's top module (`<net>_top`)
//   TOMATL_CLK_HZ     the clock frequency the bridge is built for
//   TOMATL_BAUD       the UART bit rate
//   TOMATL_IN_BYTES   bytes of the input TDATA     (input.tdata_bits / 8)
//   TOMATL_IN_BEATS   input beats per frame        (input.beats_per_frame)
//   TOMATL_OUT_BYTES  bytes of the output TDATA    (output.tdata_bits / 8)
//   TOMATL_OUT_BEATS  output beats per frame       (output.beats_per_frame)
`default_nettype none

module uart_accel_top (
    input  wire clk,
    input  wire rst,
    input  wire uart_rx,
    output wire uart_tx
);

    localparam IN_BYTES = `TOMATL_IN_BYTES;  // input TDATA bytes
    localparam OUT_BYTES = `TOMATL_OUT_BYTES;  // output TDATA bytes

    wire [ IN_BYTES*8-1:0] in_tdata;
    wire                   in_tvalid;
    wire                   in_tready;
    wire                   in_tlast;
    wire [OUT_BYTES*8-1:0] out_tdata;
    wire                   out_tvalid;
    wire                   out_tready;
    wire                   out_tlast;
    wire [            5:0] awaddr;
    wire                   awvalid;
    wire                   awready;
    wire [           31:0] wdata;
    wire [            3:0] wstrb;
    wire                   wvalid;
    wire                   wready;
    wire [            1:0] bresp;
    wire                   bvalid;
    wire                   bready;
    wire [            5:0] araddr;
    wire                   arvalid;
    wire                   arready;
    wire [           31:0] rdata;
    wire [            1:0] rresp;
    wire                   rvalid;
    wire                   rready;

    tomatl_uart_bridge #(
        .CLK_HZ   (`TOMATL_CLK_HZ),
        .BAUD     (`TOMATL_BAUD),
        .IN_BYTES (`TOMATL_IN_BYTES),
        .IN_BEATS (`TOMATL_IN_BEATS),
        .OUT_BYTES(`TOMATL_OUT_BYTES),
        .OUT_BEATS(`TOMATL_OUT_BEATS),
        .ADDR_BITS(6)
    ) u_bridge (
        .clk           (clk),
        .rst           (rst),
        .uart_rx       (uart_rx),
        .uart_tx       (uart_tx),
        .m_axis_tdata  (in_tdata),
        .m_axis_tvalid (in_tvalid),
        .m_axis_tready (in_tready),
        .m_axis_tlast  (in_tlast),
        .s_axis_tdata  (out_tdata),
        .s_axis_tvalid (out_tvalid),
        .s_axis_tready (out_tready),
        .s_axis_tlast  (out_tlast),
        .m_axil_awaddr (awaddr),
        .m_axil_awvalid(awvalid),
        .m_axil_awready(awready),
        .m_axil_wdata  (wdata),
        .m_axil_wstrb  (wstrb),
        .m_axil_wvalid (wvalid),
        .m_axil_wready (wready),
        .m_axil_bresp  (bresp),
        .m_axil_bvalid (bvalid),
        .m_axil_bready (bready),
        .m_axil_araddr (araddr),
        .m_axil_arvalid(arvalid),
        .m_axil_arready(arready),
        .m_axil_rdata  (rdata),
        .m_axil_rresp  (rresp),
        .m_axil_rvalid (rvalid),
        .m_axil_rready (rready)
    );

    `TOMATL_ACCEL u_accel (
        .clk           (clk),
        .rst           (rst),
        .s_axis_tdata  (in_tdata),
        .s_axis_tvalid (in_tvalid),
        .s_axis_tready (in_tready),
        .s_axis_tlast  (in_tlast),
        .m_axis_tdata  (out_tdata),
        .m_axis_tvalid (out_tvalid),
        .m_axis_tready (out_tready),
        .m_axis_tlast  (out_tlast),
        .s_axil_awaddr (awaddr),
        .s_axil_awvalid(awvalid),
        .s_axil_awready(awready),
        .s_axil_wdata  (wdata),
        .s_axil_wstrb  (wstrb),
        .s_axil_wvalid (wvalid),
        .s_axil_wready (wready),
        .s_axil_bresp  (bresp),
        .s_axil_bvalid (bvalid),
        .s_axil_bready (bready),
        .s_axil_araddr (araddr),
        .s_axil_arvalid(arvalid),
        .s_axil_arready(arready),
        .s_axil_rdata  (rdata),
        .s_axil_rresp  (rresp),
        .s_axil_rvalid (rvalid),
        .s_axil_rready (rready)
    );

endmodule

`default_nettype wire
